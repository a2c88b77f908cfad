{{- define "bulkhead.labels" -}}
app.kubernetes.io/name: bulkhead
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: bulkhead
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Selector labels of one component (operator or api): they never change across upgrades. */}}
{{- define "bulkhead.selectorLabels" -}}
app.kubernetes.io/name: bulkhead
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "bulkhead.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}
{{- end -}}

{{/*
The operator's configuration file: the user's settings, then what the chart must decide itself
(its namespace for the Lease, probes reachable by the kubelet, the owner role's name, and the
role and ServiceAccount it binds in each tenant namespace).
*/}}
{{- define "bulkhead.operatorConfig" -}}
{{- $config := deepCopy .Values.operator.config -}}
{{- $_ := set $config "namespace" .Release.Namespace -}}
{{- $_ := set $config "health" (dict "host" "0.0.0.0" "port" (int .Values.metrics.port)) -}}
{{- $_ := set $config "tenantOwnerClusterRole" .Values.rbac.tenantOwnerClusterRole -}}
{{- $_ := set $config "operatorAccess" (dict "clusterRole" .Values.rbac.operatorTenantClusterRole "serviceAccount" .Values.operator.serviceAccount.name) -}}
{{- toYaml $config -}}
{{- end -}}

{{/* The lease the operator's replicas elect a leader on. */}}
{{- define "bulkhead.leaseName" -}}
{{- dig "leaderElection" "leaseName" "bulkhead-operator" .Values.operator.config -}}
{{- end -}}

{{/*
The Secrets the operator's configuration names (database admins, KMS credentials, the audit's
signing key, the backup store's credentials), grouped by namespace, as JSON: {"<namespace>": ["<name>", ...]}.
*/}}
{{- define "bulkhead.credentialSecrets" -}}
{{- $byNamespace := dict -}}
{{- range $region, $settings := (.Values.operator.config.regions | default dict) -}}
{{- $refs := list -}}
{{- with (dig "database" "adminSecret" nil $settings) }}{{ $refs = append $refs . }}{{ end -}}
{{- with (dig "kms" "credentialsSecret" nil $settings) }}{{ $refs = append $refs . }}{{ end -}}
{{- $_ := set $byNamespace "refs" (concat (get $byNamespace "refs" | default list) $refs) -}}
{{- end -}}
{{- $refs := get $byNamespace "refs" | default list -}}
{{- with (dig "audit" "signingKeySecret" nil .Values.operator.config) }}{{ $refs = append $refs . }}{{ end -}}
{{- with (dig "backups" "credentialsSecret" nil .Values.operator.config) }}{{ $refs = append $refs . }}{{ end -}}
{{- $grouped := dict -}}
{{- range $ref := $refs -}}
{{- $names := (get $grouped $ref.namespace) | default list -}}
{{- $_ := set $grouped $ref.namespace (append $names $ref.name | uniq | sortAlpha) -}}
{{- end -}}
{{- toJson $grouped -}}
{{- end -}}

{{/* The ConfigMap the operator publishes its latest audit report to, and the API serves. */}}
{{- define "bulkhead.auditReportConfigMap" -}}
{{- dig "audit" "reportConfigMap" "bulkhead-audit-report" .Values.operator.config -}}
{{- end -}}

{{/*
Every name the published report may use, as a JSON list: the ConfigMap above and, for a report too
large for one, its parts <name>-part-1 .. <name>-part-<audit.reportParts> (docs/decisions/0024).
*/}}
{{- define "bulkhead.auditReportConfigMaps" -}}
{{- $name := include "bulkhead.auditReportConfigMap" . -}}
{{- $names := list $name -}}
{{- range $i := until (int (dig "audit" "reportParts" 16 .Values.operator.config)) -}}
{{- $names = append $names (printf "%s-part-%d" $name (add1 $i)) -}}
{{- end -}}
{{- toJson $names -}}
{{- end -}}

{{/*
A volume source from values (chartRepositoryVolume, snapshotVolume). The chart's default is an
emptyDir, and helm merges maps: a persistentVolumeClaim or configMap set in values arrives beside
that emptyDir, which Kubernetes refuses ("may not specify more than 1 volume type"). Another
source set means the emptyDir gives way, so no one has to null it (a Pulumi helm Release cannot:
the engine drops nulls from resource inputs).
*/}}
{{- define "bulkhead.volumeSource" -}}
{{- $others := omit . "emptyDir" -}}
{{- if $others -}}
{{- toYaml $others -}}
{{- else -}}
{{- toYaml . -}}
{{- end -}}
{{- end -}}

{{- define "tenant-app.name" -}}
{{- .Release.Name | trunc 53 | trimSuffix "-" -}}
{{- end -}}

{{- define "tenant-app.labels" -}}
app.kubernetes.io/name: tenant-app
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- with .Values.tenant.name }}
bulkhead.dev/tenant: {{ . }}
{{- end }}
{{- end -}}

{{- define "tenant-app.selectorLabels" -}}
app.kubernetes.io/name: tenant-app
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

import assert from 'node:assert/strict';
import { admitsSomeOf, admittedBy, intervalOf, mayAdmitUnknownAddress } from './address-ranges.js';

describe('what an ipBlock admits', () => {
  it('is its cidr, host bits masked, as one interval', () => {
    assert.deepEqual(intervalOf('10.0.0.7/24'), { width: 32, low: 0x0a000000n, high: 0x0a0000ffn });
    assert.equal(intervalOf('not-a-cidr'), undefined);
  });

  it('leaves out every except, splitting the cidr around it', () => {
    const admitted = admittedBy({ cidr: '10.0.0.0/8', except: ['10.244.0.0/16'] });
    assert.equal(admitted.length, 2);
    assert.equal(admitsSomeOf(admitted, '10.244.3.0/24'), false);
    assert.equal(admitsSomeOf(admitted, '10.243.255.255/32'), true);
    assert.equal(admitsSomeOf(admitted, '10.240.0.0/12'), true, 'a range partly excepted is still reached');
  });

  it('is nothing when the excepts cover the cidr, together if not alone', () => {
    assert.deepEqual(admittedBy({ cidr: '10.0.0.0/24', except: ['10.0.0.0/25', '10.0.0.128/25'] }), []);
  });

  it('keeps IPv4 and IPv6 apart', () => {
    assert.equal(admitsSomeOf(admittedBy({ cidr: '::/0' }), '10.0.0.0/8'), false);
    assert.equal(admitsSomeOf(admittedBy({ cidr: '0.0.0.0/0', except: ['fd00::/8'] }), '10.0.0.0/8'), true);
  });

  it('may match an address not known yet unless every range it could come from is ruled out', () => {
    assert.equal(mayAdmitUnknownAddress({ cidr: '203.0.113.0/24' }, undefined), true, 'no ranges: any address');
    assert.equal(mayAdmitUnknownAddress({ cidr: '203.0.113.0/24' }, ['10.244.0.0/16']), false);
    assert.equal(mayAdmitUnknownAddress({ cidr: '0.0.0.0/0', except: ['10.244.0.0/16'] }, ['10.244.0.0/16']), false);
    assert.equal(mayAdmitUnknownAddress({ cidr: '0.0.0.0/0', except: ['10.244.0.0/17'] }, ['10.244.0.0/16']), true);
  });
});

import { describe, expect, it } from 'vitest';
import { hashSecret, verifySecret } from './password.js';

describe('hashSecret / verifySecret', () => {
  it('produces scrypt$N$r$p$salt$hash and verifies the right secret only', async () => {
    const h = await hashSecret('correct horse', { N: 1024 });
    expect(h).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifySecret('correct horse', h)).toBe(true);
    expect(await verifySecret('correct horsE', h)).toBe(false);
    expect(await verifySecret('', h)).toBe(false);
  });

  it('salts: the same secret hashes differently', async () => {
    expect(await hashSecret('x', { N: 1024 })).not.toBe(await hashSecret('x', { N: 1024 }));
  });

  it('uses the default cost when none is given', async () => {
    expect(await hashSecret('x')).toMatch(/^scrypt\$16384\$8\$1\$/);
  });

  it('rejects malformed or hostile hashes with TM_ERR_BAD_HASH', async () => {
    for (const bad of ['plain', 'scrypt$1000$8$1$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==', 'scrypt$1073741824$8$1$c2FsdA==$aGFzaGhhc2hoYXNoaGFzaA==', 'bcrypt$1024$8$1$a$b']) {
      await expect(verifySecret('x', bad)).rejects.toMatchObject({ code: 'TM_ERR_BAD_HASH' });
    }
  });
});

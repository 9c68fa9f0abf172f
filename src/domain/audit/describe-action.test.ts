import { describe, expect, it } from 'vitest';
import { auditAction, describeAction } from './describe-action.js';

describe('audit entries record the concrete request and read as words', () => {
  it('keeps the concrete path, not the route template, and drops the query but for rotate', () => {
    expect(auditAction('DELETE', '/api/v1/tokens/7')).toBe('DELETE /api/v1/tokens/7');
    expect(auditAction('POST', '/api/v1/apps/default%2Fshop/deploys/upload?create=true&owner=x')).toBe('POST /api/v1/apps/default%2Fshop/deploys/upload');
    expect(auditAction('POST', '/api/v1/apps/shop/webhook-secret?rotate=true')).toBe('POST /api/v1/apps/shop/webhook-secret?rotate=true');
  });

  it.each([
    ['PATCH /api/v1/apps/default%2Fshop/config', 'change config'],
    ['POST /api/v1/apps/default%2Fshop/webhook-secret', 'make webhook secret'],
    ['POST /api/v1/apps/default%2Fshop/webhook-secret?rotate=true', 'rotate webhook secret'],
    ['DELETE /api/v1/tokens/7', 'revoke token #7'],
    ['PUT /api/v1/users/ana/password', 'set password of ana'],
    ['PUT /api/v1/owners/acme/members/ana', 'add ana to owner acme'],
    ['DELETE /api/v1/apps/default%2Fshop/previews/3', 'destroy preview #3'],
    ['POST /api/v1/users', 'create user'],
    ['PUSH /git/default/shop.git', 'git push'],
    ['POST /api/v1/restores', 'restore a backup'],
    ['POST /api/v1/backups/3fa0c1d2e4b5/check', 'check backup 3fa0c1d2e4b5'],
    ['POST /api/v1/backup-keys/export', 'export the backup key'],
    ['DELETE /api/v1/addons/shop-db', 'destroy add-on shop-db'],
    ['POST /api/v1/owners/acme/notify/2/test', 'test notification endpoint #2 of acme'],
    ['POST /api/v1/something/new', 'POST /something/new'],
  ])('%s reads as "%s"', (action, words) => {
    expect(describeAction(action)).toBe(words);
  });
});

import { describe, expect, it } from 'vitest';
import { addressRefusal, checkNotifyUrl, redactUrl, unmapIPv4 } from './url-policy.js';

describe('notification URL policy', () => {
  it.each([
    ['ftp://hooks.example.com/x', 'scheme ftp'],
    ['file:///etc/passwd', 'scheme file'],
    ['gopher://127.0.0.1:6379/_', 'scheme gopher'],
    ['not a url', 'not a valid URL'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://[::ffff:169.254.169.254]/', 'link-local'],
    ['http://[fe80::1]/', 'link-local'],
    ['http://0.0.0.0:8080/', 'link-local, unspecified'],
    ['http://[fd00:ec2::254]/', 'link-local'],
    ['http://127.0.0.1:9000/hook', 'loopback or private'],
    ['http://10.1.2.3/hook', 'loopback or private'],
    ['http://192.168.1.1/hook', 'loopback or private'],
    ['http://[::1]/hook', 'loopback or private'],
    ['http://localhost:9000/hook', 'loopback name'],
  ])('refuses %s by default', (url, why) => {
    expect(() => checkNotifyUrl(url, false)).toThrow(why);
  });

  it('accepts public http(s) URLs', () => {
    expect(checkNotifyUrl('https://hooks.slack.com/services/T0/B0/XyZ', false).host).toBe('hooks.slack.com');
    expect(checkNotifyUrl('http://93.184.216.34:8080/hook', false).port).toBe('8080');
  });

  it('allows loopback and private addresses only when the admin says so, and link-local never', () => {
    expect(checkNotifyUrl('http://127.0.0.1:9000/hook', true).hostname).toBe('127.0.0.1');
    expect(checkNotifyUrl('http://10.0.0.5/hook', true).hostname).toBe('10.0.0.5');
    expect(() => checkNotifyUrl('http://169.254.169.254/', true)).toThrow('link-local');
    expect(addressRefusal('169.254.169.254', true)).toMatch(/link-local/);
    expect(addressRefusal('::ffff:a9fe:a9fe', true)).toMatch(/link-local/);
    expect(addressRefusal('64:ff9b::169.254.169.254', true)).toMatch(/link-local/);
    expect(addressRefusal('127.0.0.1', true)).toBeNull();
    expect(addressRefusal('127.0.0.1', false)).toMatch(/BERTH_NOTIFY_ALLOW_PRIVATE/);
    expect(addressRefusal('8.8.8.8', false)).toBeNull();
  });

  it('reads IPv4 addresses written as IPv6', () => {
    expect(unmapIPv4('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(unmapIPv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(unmapIPv4('2001:db8::1')).toBe('2001:db8::1');
  });

  it('shows only scheme and host of a URL, whose path carries the token', () => {
    expect(redactUrl('https://hooks.slack.com/services/T0/B0/secret?x=1')).toBe('https://hooks.slack.com');
    expect(redactUrl('http://user:pw@127.0.0.1:9000/hook')).toBe('http://127.0.0.1:9000');
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserCookieJar } from '../../lib/flow/cookie-jar.js';

test('a cookie set by a response is sent back by the same user, and only by that user', () => {
  const alice = new UserCookieJar();
  const bob = new UserCookieJar();
  assert.equal(alice.cookieHeader('http://127.0.0.1:8080/'), undefined);
  alice.store(['sid=a1; Path=/; HttpOnly', 'theme=dark'], 'http://127.0.0.1:8080/account/login');
  assert.equal(alice.cookieHeader('http://127.0.0.1:8080/items/3?page=2'), 'sid=a1');
  assert.equal(alice.cookieHeader('http://127.0.0.1:8080/account/settings'), 'theme=dark; sid=a1', 'a cookie without Path applies below the folder that set it');
  assert.equal(bob.cookieHeader('http://127.0.0.1:8080/items/3'), undefined);
});

test('domain, path and Secure rules apply; a later Set-Cookie replaces or deletes a cookie', () => {
  const jar = new UserCookieJar();
  jar.store('cart=c1; Path=/cart', 'https://shop.example.com/cart/add');
  jar.store('sid=s1; Domain=example.com; Path=/; Secure', 'https://shop.example.com/login');
  jar.store('evil=1; Domain=other.org', 'https://shop.example.com/');
  assert.equal(jar.cookieHeader('https://shop.example.com/cart/view'), 'cart=c1; sid=s1', 'longer paths first');
  assert.equal(jar.cookieHeader('https://api.example.com/'), 'sid=s1');
  assert.equal(jar.cookieHeader('http://shop.example.com/'), undefined, 'a Secure cookie is not sent over http');
  assert.equal(jar.cookieHeader('https://other.org/'), undefined, 'a cookie for another domain was dropped');
  jar.store('sid=s2; Domain=example.com; Path=/; Secure', 'https://shop.example.com/login');
  assert.equal(jar.cookieHeader('https://shop.example.com/'), 'sid=s2');
  jar.store('sid=; Domain=example.com; Path=/; Max-Age=0', 'https://shop.example.com/logout');
  assert.equal(jar.cookieHeader('https://shop.example.com/'), undefined);
});

test('a malformed Set-Cookie is dropped rather than failing the user', () => {
  const jar = new UserCookieJar();
  jar.store(['', '=; ;', 'ok=1'], 'http://127.0.0.1:8080/');
  assert.equal(jar.cookieHeader('http://127.0.0.1:8080/'), 'ok=1');
});

test('an expired cookie stops being sent, even from a header built before', async () => {
  const jar = new UserCookieJar();
  jar.store(['short=1; Max-Age=1', 'long=2; Max-Age=3600'], 'http://127.0.0.1:8080/');
  assert.equal(jar.cookieHeader('http://127.0.0.1:8080/a'), 'short=1; long=2');
  await sleep(1100);
  assert.equal(jar.cookieHeader('http://127.0.0.1:8080/a'), 'long=2');
});

test('cookies with different paths on one origin: each request gets exactly those whose path matches', () => {
  const jar = new UserCookieJar();
  jar.store(['a=1; Path=/app', 'b=2; Path=/app/admin', 'c=3; Path=/'], 'http://127.0.0.1:8080/');
  assert.equal(jar.cookieHeader('http://127.0.0.1:8080/app/admin/users?x=/app'), 'b=2; a=1; c=3');
  assert.equal(jar.cookieHeader('http://127.0.0.1:8080/app'), 'a=1; c=3');
  assert.equal(jar.cookieHeader('http://127.0.0.1:8080/application'), 'c=3', '/app does not match /application');
  assert.equal(jar.cookieHeader('http://127.0.0.1:8080?q=1'), 'c=3', 'no path is /');
  assert.equal(jar.cookieHeader('http://127.0.0.1:9090/app'), 'a=1; c=3', 'cookies go to the host whatever the port (RFC 6265 8.5)');
  assert.equal(jar.cookieHeader('http://localhost:8080/app'), undefined, 'another host has none');
});

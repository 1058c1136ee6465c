import { startBff } from './lib.ts';
import postgres from 'postgres';
import ac from 'autocannon';
import { execSync } from 'node:child_process';
const bff = await startBff(
  { DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/credyt_bench_portal', BOOTSTRAP_API_KEY: 'bench_key_portal_0123456789abcdef' },
  18799,
);
const sql = postgres('postgres://postgres@127.0.0.1:5432/credyt_bench_portal');
const [c] = await sql`select id from customers where external_id = 'big'`;
const h = { 'content-type': 'application/json', 'x-credyt-api-key': 'bench_key_portal_0123456789abcdef' };
const link = await (
  await fetch(`${bff.url}/billing-portal/sessions`, {
    method: 'POST',
    headers: h,
    body: JSON.stringify({ customer_id: c!.id, return_url: 'https://a.example/', failure_url: 'https://a.example/' }),
  })
).json();
const s = await (
  await fetch(`${bff.url}/portal/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: link.token }),
  })
).json();
for (const path of (process.env.PATHS ?? '/livez,/healthz,/portal/api/session,/portal/api/wallet').split(',')) {
  const run = ac({ url: `${bff.url}${path}`, connections: 64, duration: 5, headers: { authorization: `Bearer ${s.access_token}` } });
  if (process.env.TOP) {
    await new Promise((r) => setTimeout(r, 2500));
    console.log(execSync('top -b -n 1 | head -12 | tail -6').toString());
  }
  const res = await run;
  console.log(path, 'rps', res.requests.average, 'p99', res.latency.p99);
}
await sql.end();
await bff.stop();

// The lttle web app example: GET / counts a visit in the seed's PostgreSQL
// (examples/postgres) through its internal service name and answers
//   200 {"visits": N}                  N rows in the table visits, this one included
//   503 {"error": "..."}               when the database cannot be reached
// Configuration from the environment:
//   DATABASE_ADDRESS  the database app's service address as lttle shows it
//                     (tcp://host:port or host:port; default the seed's name)
//   PGUSER, PGPASSWORD, PGDATABASE   read by node-pg itself
//   PORT              where this server listens (8080)
'use strict';
const http = require('node:http');
const { Client } = require('pg');

const address = (process.env.DATABASE_ADDRESS || 'tcp://postgresql-access.samples.svc.lttle.local:5432').replace(/^tcp:\/\//, '');
const [host, dbPort = '5432'] = address.split(':');
const listenPort = Number(process.env.PORT || 8080);

async function visits() {
  // A new connection per request, not a pool: an idle pooled connection would
  // keep the database app awake (flash mode suspends it only once its last
  // connection is gone), and both apps are meant to sleep between visits.
  const client = new Client({ host, port: Number(dbPort), connectionTimeoutMillis: 60000 });
  client.on('error', () => undefined); // a connection lost after the answer is not this request's problem
  await client.connect();
  try {
    await client.query('CREATE TABLE IF NOT EXISTS visits (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())');
    await client.query('INSERT INTO visits DEFAULT VALUES');
    const { rows } = await client.query('SELECT count(*)::int AS n FROM visits');
    return rows[0].n;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function answer(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(`${JSON.stringify(body)}\n`);
}

http
  .createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== '/') return answer(res, 404, { error: 'not found' });
    visits().then(
      (n) => answer(res, 200, { visits: n }),
      (err) => {
        console.error(`database ${host}:${dbPort}: ${err.message}`);
        answer(res, 503, { error: `database ${host}:${dbPort} unavailable: ${err.message}` });
      },
    );
  })
  .listen(listenPort, () => console.log(`webapp listening on :${listenPort}, database ${host}:${dbPort}`));

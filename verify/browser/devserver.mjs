// Serves dashboard/ at `/` and `/dashboard/*` and forwards everything else to a running Retning
// server: for developing the dashboard, and for verify/dashboard.sh while the binary does not embed
// the files yet. The files get the binary's headers for their path (its content security policy). Usage: node devserver.mjs --port 18101 --upstream http://127.0.0.1:18100
import http from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const port = Number(args.port || 18101);
const upstream = new URL(args.upstream || 'http://127.0.0.1:18100');
const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dashboard');
const files = {
  '/': ['index.html', 'text/html; charset=utf-8'],
  '/dashboard/app.js': ['app.js', 'text/javascript; charset=utf-8'],
  '/dashboard/style.css': ['style.css', 'text/css; charset=utf-8'],
};

http.createServer(async (req, res) => {
  const { pathname } = new URL(req.url, 'http://x');
  const file = files[pathname];
  if (file && req.method === 'GET') {
    // The binary's own headers for the path (content security policy and the rest), this tree's body.
    http.get({ host: upstream.hostname, port: upstream.port, path: pathname }, async (up) => {
      up.resume();
      const headers = { ...up.headers };
      for (const k of ['content-length', 'etag', 'transfer-encoding', 'content-encoding']) delete headers[k];
      try {
        const body = await readFile(path.join(dir, file[0]));
        res.writeHead(200, { ...headers, 'content-type': file[1], 'cache-control': 'no-cache' });
        res.end(body);
      } catch (e) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(e));
      }
    }).on('error', (e) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(String(e));
    });
    return;
  }
  const proxied = http.request({
    host: upstream.hostname, port: upstream.port, method: req.method, path: req.url,
    headers: { ...req.headers, host: upstream.host },
  }, (up) => {
    res.writeHead(up.statusCode, up.headers);
    up.pipe(res);
  });
  proxied.on('error', (e) => {
    res.writeHead(502, { 'content-type': 'application/problem+json' });
    res.end(JSON.stringify({ type: 'about:blank', title: 'Bad Gateway', status: 502, detail: String(e.message), code: 'devserver.upstream' }));
  });
  req.pipe(proxied);
}).listen(port, '127.0.0.1', () => console.log(`devserver: http://127.0.0.1:${port}/ -> ${upstream.href}`));

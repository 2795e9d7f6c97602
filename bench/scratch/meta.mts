import { build } from 'esbuild';
const r = await build({ entryPoints: ['functions/handlers/message.ts'], bundle: true, platform: 'node', format: 'esm', target: 'node22', mainFields: ['module', 'main'], minify: true, write: false, metafile: true, outfile: '/tmp/x.mjs' });
const out = Object.values(r.metafile.outputs)[0]!;
const byPkg = new Map<string, number>();
for (const [file, info] of Object.entries(out.inputs)) { const m = file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/); const k = m ? m[1]! : file; byPkg.set(k, (byPkg.get(k) ?? 0) + info.bytesInOutput); }
console.log([...byPkg].sort((a, b) => b[1] - a[1]).slice(0, 25).map(([k, v]) => `${(v / 1024).toFixed(1)} KiB ${k}`).join('\n'));

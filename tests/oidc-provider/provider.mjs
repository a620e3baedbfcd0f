// A real OpenID provider for the OIDC tests: the certified `oidc-provider` package on
// 127.0.0.1, with one confidential client, a few test accounts, interactions that complete by
// themselves, and test hooks that alter the ID token the token endpoint returns so the relying
// party's rejections can be exercised through a real code exchange.
//
// Environment:
//   PORT           port to listen on (127.0.0.1)
//   CLIENT_ID      the client's id
//   CLIENT_SECRET  the client's secret
//   REDIRECT_URI   the client's only redirect URI
//   KEYS           signing keys in the JWKS: "rsa" (default), "rsa,rsa" or "ec"
//
// Test hooks (plain HTTP on the same port):
//   POST /_test/config  JSON {"mode": "...", "account": "...", "require_length": true}: how the
//                       next ID tokens are altered, who signs in at the next interaction, and
//                       whether a request body must come with a content-length (411 for a
//                       chunked body or a POST without one, as some proxies and WAFs answer)
//   GET  /_test/stats   JSON counts of JWKS, token and discovery requests and of 411 refusals
//
// Modes: normal, wrong_issuer, no_sub, wrong_audience, extra_audience_no_azp, no_iat, expired,
// bad_signature, alg_none, alg_hs256, unknown_kid, rotated_kid, wrong_nonce, no_kid,
// wrong_verifier, token_error.

import http from 'node:http';
import crypto from 'node:crypto';
import Provider from 'oidc-provider';
import { CompactSign, exportJWK, generateKeyPair, importJWK } from 'jose';

const port = Number(process.env.PORT);
const clientId = process.env.CLIENT_ID ?? 'pulse-account';
const clientSecret = process.env.CLIENT_SECRET ?? 'pulse-account-secret';
const redirectUri = process.env.REDIRECT_URI;
const keySpec = (process.env.KEYS ?? 'rsa').split(',');
if (!port || !redirectUri) {
  console.error('PORT and REDIRECT_URI are required');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;

/** Who may sign in. `sub` is the account id. */
const accounts = {
  ada: { email: 'ada@acme.example', email_verified: true, name: 'Ada Lovelace' },
  unverified: { email: 'ada@acme.example', email_verified: false, name: 'Not Ada' },
  dee: { email: 'dee@acme.example', email_verified: true, name: 'Dee Invited' },
  stranger: { email: 'stranger@nowhere.example', email_verified: true, name: 'A Stranger' },
};

async function privateJwk(kind, kid) {
  const alg = kind === 'ec' ? 'ES256' : 'RS256';
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
}

function publicJwk(jwk) {
  const { d, p, q, dp, dq, qi, ...pub } = jwk;
  return pub;
}

const signingKeys = [];
for (const [i, kind] of keySpec.entries()) {
  signingKeys.push(await privateJwk(kind, `key-${i + 1}`));
}
const idTokenAlg = signingKeys[0].alg;
// Never published until mode `rotated_kid`; always unknown to the relying party in `unknown_kid`.
const rotatedKey = await privateJwk(keySpec[0], 'key-rotated');
const strayKey = await privateJwk(keySpec[0], 'key-unknown');

let mode = 'normal';
let account = 'ada';
let requireLength = false;
const stats = { jwks: 0, token: 0, discovery: 0, length_required: 0 };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: idTokenAlg,
    },
  ],
  jwks: { keys: signingKeys },
  cookies: { keys: ['pulse-test-cookie-key'] },
  pkce: { required: () => true },
  // Put the scope's claims (email, name) in the ID token as most providers do.
  conformIdTokenClaims: false,
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const a = accounts[id];
    if (!a) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...a }) };
  },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));

const b64 = (buf) => Buffer.from(buf).toString('base64url');
const decode = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

async function sign(header, payload, jwk) {
  const key = await importJWK(jwk, header.alg);
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header)
    .sign(key);
}

/** Rewrites an ID token the provider minted, according to the current mode. */
async function alter(idToken) {
  const [h, p, s] = idToken.split('.');
  const header = decode(h);
  const payload = decode(p);
  const now = Math.floor(Date.now() / 1000);
  const own = signingKeys[0];
  const resign = (pl, hd = header, key = own) => sign(hd, pl, key);
  switch (mode) {
    case 'wrong_issuer':
      return resign({ ...payload, iss: 'http://127.0.0.1:1/not-the-issuer' });
    case 'no_sub': {
      const { sub, ...rest } = payload;
      return resign(rest);
    }
    case 'wrong_audience':
      return resign({ ...payload, aud: 'some-other-client' });
    case 'extra_audience_no_azp': {
      const { azp, ...rest } = payload;
      return resign({ ...rest, aud: [clientId, 'some-other-client'] });
    }
    case 'no_iat': {
      const { iat, ...rest } = payload;
      return resign(rest);
    }
    case 'expired':
      return resign({ ...payload, iat: now - 7200, exp: now - 3600 });
    case 'bad_signature': {
      const sig = Buffer.from(s, 'base64url');
      sig[0] ^= 0x01;
      return `${h}.${p}.${b64(sig)}`;
    }
    case 'alg_none':
      return `${b64(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${p}.`;
    case 'alg_hs256': {
      const hd = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: header.kid }));
      const mac = crypto.createHmac('sha256', clientSecret).update(`${hd}.${p}`).digest();
      return `${hd}.${p}.${b64(mac)}`;
    }
    case 'unknown_kid':
      return resign(payload, { ...header, kid: strayKey.kid }, strayKey);
    case 'rotated_kid':
      return resign(payload, { ...header, kid: rotatedKey.kid }, rotatedKey);
    case 'wrong_nonce':
      return resign({ ...payload, nonce: 'not-the-nonce-the-client-sent' });
    case 'no_kid': {
      const { kid, ...hd } = header;
      return resign(payload, hd);
    }
    default:
      return idToken;
  }
}

// The token endpoint's answer goes through `alter`; in `wrong_verifier` the authorization
// request's challenge is replaced, so the client's (correct) verifier no longer matches it.
provider.use(async (ctx, next) => {
  if (ctx.path === '/auth' && ctx.method === 'GET' && mode === 'wrong_verifier') {
    const other = crypto.createHash('sha256').update('a different verifier').digest();
    ctx.query = { ...ctx.query, code_challenge: b64(other) };
  }
  if (ctx.path === '/token' && mode === 'token_error') {
    ctx.status = 500;
    ctx.body = 'upstream exploded';
    return;
  }
  await next();
  if (ctx.path === '/token' && ctx.status === 200 && ctx.body && ctx.body.id_token) {
    ctx.body = { ...ctx.body, id_token: await alter(ctx.body.id_token) };
  }
});

const callback = provider.callback();

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function readBody(req) {
  let data = '';
  for await (const chunk of req) data += chunk;
  return data;
}

const server = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, issuer);
    const chunked = /chunked/i.test(req.headers['transfer-encoding'] ?? '');
    const unsized = req.method === 'POST' && req.headers['content-length'] === undefined;
    if (requireLength && (chunked || unsized)) {
      stats.length_required += 1;
      console.error(`411 for ${req.method} ${url.pathname}: chunked=${chunked} unsized=${unsized}`);
      return json(res, 411, { error: 'invalid_request', error_description: 'length required' });
    }
    if (url.pathname === '/_test/config' && req.method === 'POST') {
      const body = JSON.parse((await readBody(req)) || '{}');
      if (body.mode) mode = body.mode;
      if (body.account) account = body.account;
      if (typeof body.require_length === 'boolean') requireLength = body.require_length;
      return json(res, 200, { mode, account, require_length: requireLength });
    }
    if (url.pathname === '/_test/stats') return json(res, 200, stats);
    if (url.pathname === '/jwks') {
      // Served here so a key can be rotated in while the provider keeps signing with its own.
      stats.jwks += 1;
      const keys = signingKeys.map(publicJwk);
      if (mode === 'rotated_kid') keys.push(publicJwk(rotatedKey));
      return json(res, 200, { keys });
    }
    if (url.pathname === '/token') stats.token += 1;
    if (url.pathname === '/.well-known/openid-configuration') stats.discovery += 1;
    if (url.pathname.startsWith('/interaction/')) {
      // Sign the configured account in and grant the requested scope without a form.
      const details = await provider.interactionDetails(req, res);
      const grant = new provider.Grant({ accountId: account, clientId: details.params.client_id });
      grant.addOIDCScope(String(details.params.scope));
      const grantId = await grant.save();
      return await provider.interactionFinished(
        req,
        res,
        { login: { accountId: account }, consent: { grantId } },
        { mergeWithLastSubmission: false },
      );
    }
    return callback(req, res);
  } catch (err) {
    console.error(err);
    if (!res.headersSent) json(res, 500, { error: 'server_error', error_description: String(err) });
  }
});

server.listen(port, '127.0.0.1', () => {
  console.log(`listening on ${issuer}`);
});
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => process.exit(0));

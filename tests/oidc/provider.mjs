// A real OpenID Connect provider for the test suite: the npm package oidc-provider (OpenID
// Certified), on a loopback port chosen by the OS. The Python side (tests/oidc/__init__.py)
// passes the clients and test users as JSON in OIDC_TEST_CONFIG and reads "ready <port>" from
// stdout.
//
// Test users log in on a plain form (username only: the test stands in for the e-tjänstekort);
// each carries an HSA-id, a name, a title and the assurance level (acr) of their login.
import http from "node:http";
import crypto from "node:crypto";
import Provider from "oidc-provider";

const config = JSON.parse(process.env.OIDC_TEST_CONFIG);
const accounts = config.accounts;

function page(title, body) {
  return `<!DOCTYPE html><html lang="sv"><head><meta charset="utf-8"><title>${title}</title></head>` +
    `<body><main><h1>${title}</h1>${body}</main></body></html>`;
}

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
}

let handler = (req, res) => { res.statusCode = 503; res.end(); };
const server = http.createServer((req, res) => handler(req, res));
server.listen(0, "127.0.0.1", () => {
  const port = server.address().port;
  const issuer = `http://localhost:${port}`;
  const { privateKey } = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  const signingKey = { ...privateKey.export({ format: "jwk" }), kid: "test-key-1", use: "sig", alg: "RS256" };

  const provider = new Provider(issuer, {
    clients: config.clients,
    jwks: { keys: [signingKey] },
    cookies: { keys: ["tests-only-cookie-key"] },
    scopes: ["openid", "profile", "hsa"],
    claims: {
      openid: ["sub"],
      profile: ["name", "given_name", "family_name", "title"],
      hsa: ["hsa_id"],
      acr: null,
    },
    acrValues: config.acrValues,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = page("Logga ut från identitetsleverantören",
            `${form}<button type="submit" form="op.logoutForm" value="yes" name="logout">Ja, logga ut</button>`);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = page("Utloggad", "<p>Du är utloggad hos identitetsleverantören.</p>");
        },
      },
    },
    async findAccount(ctx, id) {
      const account = accounts[id];
      if (!account) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...account.claims }; } };
    },
    // First-party clients: no consent screen. The grant covers what the client asked for.
    async loadExistingGrant(ctx) {
      const grantId = ctx.oidc.result?.consent?.grantId
        || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      if (!ctx.oidc.session.accountId) return undefined;
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope(ctx.oidc.params.scope);
      await grant.save();
      return grant;
    },
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: async (ctx, out) => {
      ctx.type = "html";
      ctx.body = page("Fel hos identitetsleverantören", `<pre>${escape(JSON.stringify(out))}</pre>`);
    },
  });

  provider.use(async (ctx, next) => {
    if (ctx.path === "/favicon.ico") {
      ctx.status = 204;
      return undefined;
    }
    const match = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
    if (!match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (ctx.method === "GET") {
      ctx.type = "html";
      ctx.body = page("Logga in hos identitetsleverantören",
        `<form method="post" action="/interaction/${details.uid}/login">` +
        `<p>Den här identitetsleverantören är till för test och demo: skriv ett test-id i stället ` +
        `för att använda e-tjänstekortet. Test-id: ${Object.keys(accounts).map(escape).join(", ")}.</p>` +
        `<label for="login">Test-id</label><input id="login" name="login" autofocus>` +
        `<button type="submit">Logga in</button></form>`);
      return undefined;
    }
    const form = await readForm(ctx.req);
    const id = form.get("login") || "";
    const account = accounts[id];
    if (!account) {
      ctx.status = 400;
      ctx.type = "html";
      ctx.body = page("Okänt test-id", `<p>${escape(id)} finns inte.</p>`);
      return undefined;
    }
    const result = { login: { accountId: id, acr: account.acr, amr: ["smartcard"] } };
    await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.respond = false;
    return undefined;
  });

  handler = provider.callback();
  process.stdout.write(`ready ${port}\n`);
});

process.on("SIGTERM", () => server.close(() => process.exit(0)));
// The Python side holds our stdin open: when it ends, however it ends, so do we.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();

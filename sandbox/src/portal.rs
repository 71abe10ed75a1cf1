//! The Connection Portal: the page a login's `redirectURI` opens, the
//! sandbox brokerages it offers, and the request that connects one.
//!
//! * `GET /snapTrade/redeemToken?token=...` renders the page (HTML with
//!   inline CSS and JS under a nonce-based Content-Security-Policy; no
//!   external asset). An unknown link answers 404, an expired or used one
//!   410: an error page that also posts an `ERROR` message to the
//!   embedding page.
//! * `POST /snapTrade/portal/connect` with the JSON body `{"token", "broker"}`
//!   connects: it answers the very message the page posts to
//!   `window.parent` / `window.opener`, `{"status": "SUCCESS",
//!   "authorizationId"}` (200) or `{"status": "ERROR", "errorCode",
//!   "statusCode", "detail"}` (4xx). It is protected by the link token (a
//!   secret only the page holds), must be JSON (a cross-site form cannot send
//!   it without a CORS preflight, which is never granted) and, when the
//!   browser sends an `Origin`, must come from the portal's own origin. The
//!   token is single-purpose: once a connection is made the link is used up.

use crate::failure::Failure;
use crate::server::App;
use crate::store::Connection;
use crate::util::{self, QueryParam};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use snaptrade::models;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The portal page's path (SnapTrade's link has the same one).
pub(crate) const PAGE_PATH: &str = "/snapTrade/redeemToken";
/// Where the page POSTs a connection.
pub(crate) const CONNECT_PATH: &str = "/snapTrade/portal/connect";
/// Portal sessions kept at most (the oldest go first).
const MAX_SESSIONS: usize = 10_000;
/// How long an expired session is remembered, to answer 410 rather than 404.
const EXPIRED_MEMORY: Duration = Duration::from_secs(3600);

/// The slug of the brokerage that always fails.
pub const FAILING_BROKER: &str = "SANDBOX_FAIL";

/// A brokerage the sandbox portal offers.
#[derive(Debug)]
pub(crate) struct Broker {
    pub slug: &'static str,
    pub name: &'static str,
    /// Its brokerage UUID (made up, stable).
    pub id: &'static str,
    /// Whether it allows trading connections.
    pub trading: bool,
    /// Whether every login to it fails.
    pub fails: bool,
    /// Accent colour of its badge.
    pub color: &'static str,
}

/// The sandbox brokerages, in the order the page lists them.
pub(crate) const BROKERS: &[Broker] = &[
    Broker {
        slug: "ALPACA",
        name: "Alpaca",
        id: "2a6b5a36-4b6e-4f8e-9a4f-0e3c6f1a1001",
        trading: true,
        fails: false,
        color: "#f5c400",
    },
    Broker {
        slug: "QUESTRADE",
        name: "Questrade",
        id: "2a6b5a36-4b6e-4f8e-9a4f-0e3c6f1a1002",
        trading: true,
        fails: false,
        color: "#2e8540",
    },
    Broker {
        slug: "WEALTHSIMPLETRADE",
        name: "Wealthsimple",
        id: "2a6b5a36-4b6e-4f8e-9a4f-0e3c6f1a1003",
        trading: false,
        fails: false,
        color: "#6b6b6b",
    },
    Broker {
        slug: FAILING_BROKER,
        name: "Failing Brokerage",
        id: "2a6b5a36-4b6e-4f8e-9a4f-0e3c6f1a10ff",
        trading: true,
        fails: true,
        color: "#c62828",
    },
];

pub(crate) fn broker(slug: &str) -> Option<&'static Broker> {
    BROKERS.iter().find(|b| b.slug.eq_ignore_ascii_case(slug))
}

/// The login options a portal session honours.
#[derive(Debug, Clone, Default)]
pub(crate) struct Options {
    pub broker: Option<String>,
    /// `read`, `trade` or `trade-if-available`.
    pub connection_type: String,
    pub custom_redirect: Option<String>,
    pub immediate_redirect: bool,
    pub reconnect: Option<String>,
    pub show_close_button: bool,
    pub dark_mode: bool,
    /// `en` or `pt-BR`.
    pub locale: &'static str,
}

impl Options {
    /// The options of a login body (already checked for enum values and locale).
    pub(crate) fn from_login(
        body: &models::SnapTradeLoginUserRequestBody,
        locale: &'static str,
    ) -> Result<Options, Failure> {
        if let Some(url) = &body.custom_redirect {
            let lower = url.to_ascii_lowercase();
            if !(lower.starts_with("https://") || lower.starts_with("http://")) {
                return Err(Failure::invalid(
                    "customRedirect",
                    "expected an http:// or https:// URL",
                ));
            }
        }
        Ok(Options {
            broker: body.broker.clone().filter(|b| !b.is_empty()),
            connection_type: body
                .connection_type
                .as_ref()
                .map_or("read", |t| t.as_str())
                .to_owned(),
            custom_redirect: body.custom_redirect.clone(),
            immediate_redirect: body.immediate_redirect == Some(true),
            reconnect: body.reconnect.clone().filter(|r| !r.is_empty()),
            show_close_button: body.show_close_button == Some(true),
            dark_mode: body.dark_mode == Some(true),
            locale,
        })
    }
}

/// One login's portal link.
#[derive(Debug)]
struct Session {
    client_id: String,
    user_id: String,
    options: Options,
    created: Instant,
    expires: Instant,
    used: bool,
}

/// The portal links handed out, by token.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    map: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// Remembers a new link valid for `ttl`; returns its token.
    pub(crate) fn open(
        &self,
        client_id: &str,
        user_id: &str,
        options: Options,
        ttl: Duration,
    ) -> String {
        let token = util::token::<24>();
        let now = Instant::now();
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|_, s| now.saturating_duration_since(s.expires) < EXPIRED_MEMORY);
        if map.len() >= MAX_SESSIONS {
            if let Some(oldest) = map
                .iter()
                .min_by_key(|(_, s)| s.created)
                .map(|(k, _)| k.clone())
            {
                map.remove(&oldest);
            }
        }
        map.insert(
            token.clone(),
            Session {
                client_id: client_id.to_owned(),
                user_id: user_id.to_owned(),
                options,
                created: now,
                expires: now + ttl,
                used: false,
            },
        );
        token
    }

    /// The session of a live link: `(client id, user id, options)`.
    fn live(&self, token: &str) -> Result<(String, String, Options), PortalError> {
        let map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        let session = map.get(token).ok_or(PortalError::UnknownLink)?;
        if session.used {
            return Err(PortalError::UsedLink);
        }
        if Instant::now() >= session.expires {
            return Err(PortalError::ExpiredLink);
        }
        Ok((
            session.client_id.clone(),
            session.user_id.clone(),
            session.options.clone(),
        ))
    }

    fn mark_used(&self, token: &str) {
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(s) = map.get_mut(token) {
            s.used = true;
        }
    }
}

/// Why the portal cannot go on: each is an error page or an `ERROR` message.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PortalError {
    UnknownLink,
    ExpiredLink,
    UsedLink,
    UnknownUser,
    UnknownBroker(String),
    NotTrading(&'static str),
    UnknownConnection,
    WrongBrokerForReconnect,
    BrokerRefused(&'static str),
    CrossOrigin,
    NotJson,
}

impl PortalError {
    fn status(&self) -> StatusCode {
        match self {
            PortalError::UnknownLink
            | PortalError::UnknownUser
            | PortalError::UnknownConnection => StatusCode::NOT_FOUND,
            PortalError::ExpiredLink | PortalError::UsedLink => StatusCode::GONE,
            PortalError::UnknownBroker(_)
            | PortalError::NotTrading(_)
            | PortalError::WrongBrokerForReconnect
            | PortalError::NotJson => StatusCode::BAD_REQUEST,
            PortalError::BrokerRefused(_) => StatusCode::UNAUTHORIZED,
            PortalError::CrossOrigin => StatusCode::FORBIDDEN,
        }
    }

    /// The stable `errorCode` of the message.
    fn code(&self) -> &'static str {
        match self {
            PortalError::UnknownLink => "PORTAL_LINK_UNKNOWN",
            PortalError::ExpiredLink => "PORTAL_LINK_EXPIRED",
            PortalError::UsedLink => "PORTAL_LINK_USED",
            PortalError::UnknownUser => "USER_NOT_FOUND",
            PortalError::UnknownBroker(_) => "BROKERAGE_UNKNOWN",
            PortalError::NotTrading(_) => "BROKERAGE_NO_TRADING",
            PortalError::UnknownConnection => "CONNECTION_NOT_FOUND",
            PortalError::WrongBrokerForReconnect => "RECONNECT_WRONG_BROKERAGE",
            PortalError::BrokerRefused(_) => "BROKERAGE_LOGIN_FAILED",
            PortalError::CrossOrigin => "CROSS_ORIGIN_REQUEST",
            PortalError::NotJson => "INVALID_REQUEST",
        }
    }

    fn detail(&self, text: &Text) -> String {
        match self {
            PortalError::UnknownLink => text.unknown_link.to_owned(),
            PortalError::ExpiredLink => text.expired_link.to_owned(),
            PortalError::UsedLink => text.used_link.to_owned(),
            PortalError::UnknownUser => text.unknown_user.to_owned(),
            PortalError::UnknownBroker(slug) => text.unknown_broker.replace("{broker}", slug),
            PortalError::NotTrading(name) => text.not_trading.replace("{broker}", name),
            PortalError::UnknownConnection => text.unknown_connection.to_owned(),
            PortalError::WrongBrokerForReconnect => text.wrong_reconnect.to_owned(),
            PortalError::BrokerRefused(name) => text.refused.replace("{broker}", name),
            PortalError::CrossOrigin => "Cross-origin request refused.".to_owned(),
            PortalError::NotJson => {
                "Expected a JSON body {\"token\", \"broker\"} (Content-Type: application/json)."
                    .to_owned()
            }
        }
    }

    /// SnapTrade's error message shape.
    fn message(&self, text: &Text) -> Value {
        json!({
            "status": "ERROR",
            "errorCode": self.code(),
            "statusCode": self.status().as_u16(),
            "detail": self.detail(text),
        })
    }
}

/// The page's words in one locale.
struct Text {
    lang: &'static str,
    title: &'static str,
    lead: &'static str,
    reconnect_title: &'static str,
    reconnect_lead: &'static str,
    brokers_heading: &'static str,
    trading: &'static str,
    read_only: &'static str,
    fails: &'static str,
    close: &'static str,
    connecting: &'static str,
    connected_title: &'static str,
    connected: &'static str,
    continue_label: &'static str,
    closed: &'static str,
    error_title: &'static str,
    sandbox_note: &'static str,
    unknown_link: &'static str,
    expired_link: &'static str,
    used_link: &'static str,
    unknown_user: &'static str,
    unknown_broker: &'static str,
    not_trading: &'static str,
    unknown_connection: &'static str,
    wrong_reconnect: &'static str,
    refused: &'static str,
}

const EN: Text = Text {
    lang: "en",
    title: "Connect your brokerage account",
    lead: "Choose your brokerage to share your accounts with this app.",
    reconnect_title: "Reconnect your account",
    reconnect_lead: "Your connection needs attention. Log in again to repair it.",
    brokers_heading: "Brokerages",
    trading: "Trading",
    read_only: "Read only",
    fails: "Always fails (test errors)",
    close: "Close",
    connecting: "Connecting to {broker}…",
    connected_title: "Connected",
    connected: "Your {broker} account is connected. You can close this window.",
    continue_label: "Continue",
    closed: "You closed the portal.",
    error_title: "Something went wrong",
    sandbox_note: "SnapTrade sandbox: no real brokerage is contacted and no password is asked.",
    unknown_link: "This connection link is not valid.",
    expired_link: "This connection link has expired. Ask the app for a new one.",
    used_link: "This connection link was already used. Ask the app for a new one.",
    unknown_user: "The user of this link no longer exists.",
    unknown_broker: "Unknown brokerage: {broker}.",
    not_trading: "{broker} does not allow trading connections.",
    unknown_connection: "The connection to repair was not found.",
    wrong_reconnect: "A reconnect must log in to the same brokerage.",
    refused: "{broker} refused the login.",
};

const PT_BR: Text = Text {
    lang: "pt-BR",
    title: "Conecte sua conta da corretora",
    lead: "Escolha sua corretora para compartilhar suas contas com este aplicativo.",
    reconnect_title: "Reconecte sua conta",
    reconnect_lead: "Sua conexão precisa de atenção. Entre novamente para repará-la.",
    brokers_heading: "Corretoras",
    trading: "Negociação",
    read_only: "Somente leitura",
    fails: "Sempre falha (teste de erros)",
    close: "Fechar",
    connecting: "Conectando a {broker}…",
    connected_title: "Conectado",
    connected: "Sua conta {broker} está conectada. Você pode fechar esta janela.",
    continue_label: "Continuar",
    closed: "Você fechou o portal.",
    error_title: "Algo deu errado",
    sandbox_note:
        "Sandbox da SnapTrade: nenhuma corretora real é contatada e nenhuma senha é pedida.",
    unknown_link: "Este link de conexão não é válido.",
    expired_link: "Este link de conexão expirou. Peça um novo ao aplicativo.",
    used_link: "Este link de conexão já foi usado. Peça um novo ao aplicativo.",
    unknown_user: "O usuário deste link não existe mais.",
    unknown_broker: "Corretora desconhecida: {broker}.",
    not_trading: "{broker} não permite conexões de negociação.",
    unknown_connection: "A conexão a reparar não foi encontrada.",
    wrong_reconnect: "Uma reconexão deve entrar na mesma corretora.",
    refused: "{broker} recusou o login.",
};

fn text(locale: &str) -> &'static Text {
    if locale == "pt-BR" {
        &PT_BR
    } else {
        &EN
    }
}

/// What the page shows once a link checks out.
struct View {
    brokers: Vec<&'static Broker>,
    reconnect: bool,
}

/// Checks a live session against the store: the user exists, the broker
/// option and the connection to repair are known.
fn view(app: &App, client_id: &str, user_id: &str, options: &Options) -> Result<View, PortalError> {
    let store = app.store();
    let user = store
        .user(client_id, user_id)
        .ok_or(PortalError::UnknownUser)?;
    if let Some(id) = &options.reconnect {
        let connection = user
            .connections
            .iter()
            .find(|c| &c.id == id)
            .ok_or(PortalError::UnknownConnection)?;
        let broker = broker(&connection.broker)
            .ok_or_else(|| PortalError::UnknownBroker(connection.broker.clone()))?;
        return Ok(View {
            brokers: vec![broker],
            reconnect: true,
        });
    }
    let wants_trade = options.connection_type == "trade";
    if let Some(slug) = &options.broker {
        let broker = broker(slug).ok_or_else(|| PortalError::UnknownBroker(slug.clone()))?;
        if wants_trade && !broker.trading {
            return Err(PortalError::NotTrading(broker.name));
        }
        return Ok(View {
            brokers: vec![broker],
            reconnect: false,
        });
    }
    Ok(View {
        brokers: BROKERS
            .iter()
            .filter(|b| b.trading || !wants_trade)
            .collect(),
        reconnect: false,
    })
}

fn token_of(query: &[QueryParam]) -> Option<String> {
    query
        .iter()
        .find(|p| p.name == "token")
        .and_then(|p| p.value.clone().ok())
}

/// `GET /snapTrade/redeemToken`: the portal page or an error page.
pub(crate) fn page(app: &App, query: &[QueryParam]) -> Response {
    let token = token_of(query).unwrap_or_default();
    let live = app.portal.live(&token);
    let (client_id, user_id, options) = match live {
        Ok(session) => session,
        Err(e) => {
            // The link's locale is unknown when the link is: the query may say.
            let locale = query
                .iter()
                .find(|p| p.name == "locale")
                .and_then(|p| p.value.as_ref().ok())
                .and_then(|l| crate::server::normalize_locale(l).ok())
                .unwrap_or("en");
            let dark = query
                .iter()
                .any(|p| p.name == "darkMode" && p.value.as_deref() == Ok("true"));
            return error_page(&e, text(locale), dark);
        }
    };
    let text = text(options.locale);
    match view(app, &client_id, &user_id, &options) {
        Ok(view) => picker_page(&token, &options, &view, text),
        Err(e) => error_page(&e, text, options.dark_mode),
    }
}

/// The body the page POSTs.
#[derive(serde::Deserialize)]
struct ConnectRequest {
    token: String,
    broker: String,
}

/// `POST /snapTrade/portal/connect`.
pub(crate) async fn connect(app: &App, headers: &HeaderMap, body: &[u8]) -> Response {
    match try_connect(app, headers, body).await {
        Ok(message) => message_response(StatusCode::OK, &message),
        Err((e, text)) => message_response(e.status(), &e.message(text)),
    }
}

fn message_response(status: StatusCode, message: &Value) -> Response {
    let mut response = crate::failure::json_response(status, message);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The origins the portal is served from: the public URL's, and the one the
/// browser reached (`Host`).
fn same_origin(app: &App, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN) else {
        // Not a browser request (the official SDK, curl): the token decides.
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    let public = app.public_url(headers);
    let public_origin = origin_of(&public);
    if public_origin.eq_ignore_ascii_case(origin) {
        return true;
    }
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|host| {
            origin.eq_ignore_ascii_case(&format!("http://{host}"))
                || origin.eq_ignore_ascii_case(&format!("https://{host}"))
        })
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => &url[..after_scheme + i],
        None => url,
    }
}

async fn try_connect(
    app: &App,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, (PortalError, &'static Text)> {
    if !same_origin(app, headers) {
        return Err((PortalError::CrossOrigin, &EN));
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(';')
                .next()
                .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
        });
    let request: ConnectRequest = match serde_json::from_slice(body) {
        Ok(r) if is_json => r,
        _ => return Err((PortalError::NotJson, &EN)),
    };
    let (client_id, user_id, options) = app.portal.live(&request.token).map_err(|e| (e, &EN))?;
    let text = text(options.locale);
    let view = view(app, &client_id, &user_id, &options).map_err(|e| (e, text))?;
    let Some(broker) = broker(&request.broker) else {
        return Err((PortalError::UnknownBroker(request.broker.clone()), text));
    };
    if !view.brokers.iter().any(|b| b.slug == broker.slug) {
        return Err((
            if view.reconnect {
                PortalError::WrongBrokerForReconnect
            } else if options.connection_type == "trade" && !broker.trading {
                PortalError::NotTrading(broker.name)
            } else {
                PortalError::UnknownBroker(request.broker.clone())
            },
            text,
        ));
    }
    if broker.fails {
        if let Some(webhooks) = app.webhooks() {
            webhooks.connection_event(
                crate::webhook::CONNECTION_FAILED,
                &client_id,
                &user_id,
                None,
                broker,
            );
        }
        return Err((PortalError::BrokerRefused(broker.name), text));
    }
    let kind = match options.connection_type.as_str() {
        "trade" => "trade",
        "trade-if-available" if broker.trading => "trade",
        _ => "read",
    };
    let now = util::rfc3339_now();
    let reconnect = options.reconnect.clone();
    let outcome = app
        .commit(|store| {
            let user = store
                .user_mut(&client_id, &user_id)
                .ok_or_else(Failure::not_found)?;
            if let Some(id) = &reconnect {
                let c = user
                    .connections
                    .iter_mut()
                    .find(|c| &c.id == id)
                    .ok_or_else(Failure::not_found)?;
                let was_disabled = c.disabled;
                c.disabled = false;
                c.disabled_at = None;
                c.updated = now.clone();
                return Ok((c.id.clone(), Event::Fixed(was_disabled)));
            }
            // De-duplication: the same brokerage login is the same connection.
            if let Some(c) = user
                .connections
                .iter_mut()
                .find(|c| c.broker == broker.slug)
            {
                let was_disabled = c.disabled;
                c.disabled = false;
                c.disabled_at = None;
                c.kind = kind.to_owned();
                c.updated = now.clone();
                return Ok((c.id.clone(), Event::Fixed(was_disabled)));
            }
            let id = util::uuid_v4();
            user.connections.push(Connection {
                id: id.clone(),
                broker: broker.slug.to_owned(),
                kind: kind.to_owned(),
                disabled: false,
                created: now.clone(),
                updated: now.clone(),
                disabled_at: None,
            });
            Ok((id, Event::Added))
        })
        .await;
    let (id, event) = match outcome {
        Ok(done) => done,
        Err(_) => return Err((PortalError::UnknownUser, text)),
    };
    app.portal.mark_used(&request.token);
    if let Some(webhooks) = app.webhooks() {
        let kind = match event {
            Event::Added => Some(crate::webhook::CONNECTION_ADDED),
            Event::Fixed(true) => Some(crate::webhook::CONNECTION_FIXED),
            Event::Fixed(false) => None,
        };
        if let Some(kind) = kind {
            webhooks.connection_event(kind, &client_id, &user_id, Some(&id), broker);
        }
    }
    Ok(json!({"status": "SUCCESS", "authorizationId": id}))
}

enum Event {
    Added,
    /// A repaired (or re-made) connection; `true` when it was disabled.
    Fixed(bool),
}

/// A connection in SnapTrade's `BrokerageAuthorization` shape.
pub(crate) fn authorization_json(c: &Connection, index: usize) -> Value {
    let broker = broker(&c.broker);
    json!({
        "id": c.id,
        "created_date": c.created,
        "updated_date": c.updated,
        "brokerage": {
            "id": broker.map_or("", |b| b.id),
            "slug": c.broker,
            "name": broker.map_or(c.broker.as_str(), |b| b.name),
            "display_name": broker.map_or(c.broker.as_str(), |b| b.name),
            "description": "A sandbox brokerage: no real brokerage is contacted.",
            "enabled": true,
            "maintenance_mode": false,
            "is_degraded": false,
            "allows_trading": broker.is_some_and(|b| b.trading),
            "brokerage_type": {
                "id": "1f5e7c2a-7d7b-4c55-8f1e-9b2f7f3b0001",
                "name": "Traditional Brokerage"
            }
        },
        "name": format!("Connection-{}", index + 1),
        "type": c.kind,
        "disabled": c.disabled,
        "disabled_date": c.disabled_at,
        "meta": {},
        "is_eligible_for_payout": false,
        "data_freshness_mode": "realtime",
    })
}

/// Escapes text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// JSON safe to put inside a `<script>` element.
fn script_json(value: &Value) -> String {
    value
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

/// Headers every portal page carries: a CSP allowing only the page's own
/// nonce-marked style and script and requests to its own origin, no
/// caching, no referrer (the link carries the token). Framing is allowed:
/// partners embed the portal in an iframe.
fn html_response(status: StatusCode, html: String, nonce: &str) -> Response {
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(csp) = HeaderValue::from_str(&format!(
        "default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; \
         connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'"
    )) {
        headers.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

fn picker_page(token: &str, options: &Options, view: &View, text: &Text) -> Response {
    let nonce = util::token::<16>();
    let mut buttons = String::new();
    for b in &view.brokers {
        let meta = if b.fails {
            text.fails
        } else if b.trading {
            text.trading
        } else {
            text.read_only
        };
        let initial: String = b.name.chars().take(1).collect();
        buttons.push_str(&format!(
            "<li><button type=\"button\" class=\"broker\" data-broker=\"{slug}\" data-name=\"{name}\" \
             aria-describedby=\"meta-{slug}\"><span class=\"badge badge-{slug}\" aria-hidden=\"true\">{initial}</span><span class=\"label\"><span class=\"name\">{name}</span>\
             <span class=\"meta\" id=\"meta-{slug}\">{meta}</span></span>\
             <span class=\"chev\" aria-hidden=\"true\">›</span></button></li>",
            slug = esc(b.slug),
            name = esc(b.name),
            initial = esc(&initial),
            meta = esc(meta),
        ));
    }
    let (title, lead) = if view.reconnect {
        (text.reconnect_title, text.reconnect_lead)
    } else {
        (text.title, text.lead)
    };
    let close = if options.show_close_button {
        format!(
            "<button type=\"button\" class=\"close\" id=\"close\" aria-label=\"{0}\" title=\"{0}\">\
             <span aria-hidden=\"true\">×</span></button>",
            esc(text.close)
        )
    } else {
        String::new()
    };
    let config = json!({
        "token": token,
        "connectUrl": "portal/connect",
        "customRedirect": options.custom_redirect,
        "immediateRedirect": options.immediate_redirect,
        "text": {
            "connecting": text.connecting,
            "connected": text.connected,
            "closed": text.closed,
        },
    });
    let body = format!(
        "<main class=\"card\" aria-labelledby=\"title\">\
         <p class=\"brand\">SnapTrade <span class=\"pill\">Sandbox</span></p>\
         <header class=\"top\"><h1 id=\"title\">{title}</h1>{close}</header>\
         <div id=\"picker\"><p class=\"lead\">{lead}</p>\
         <h2 class=\"sr-only\">{heading}</h2>\
         <ul class=\"brokers\" aria-label=\"{heading}\">{buttons}</ul></div>\
         <section id=\"done\" hidden aria-labelledby=\"done-title\"><div class=\"check\" aria-hidden=\"true\">✓</div>\
         <h2 id=\"done-title\" tabindex=\"-1\">{connected_title}</h2><p id=\"done-text\"></p>\
         <button type=\"button\" class=\"primary\" id=\"continue\" hidden>{continue_label}</button></section>\
         <p id=\"status\" class=\"status\" role=\"status\" aria-live=\"polite\"></p>\
         <p id=\"error\" class=\"error\" role=\"alert\"></p>\
         <footer class=\"note\">{note}</footer></main>\
         <script type=\"application/json\" id=\"portal-config\">{config}</script>\
         <script nonce=\"{nonce}\">{script}</script>",
        heading = esc(text.brokers_heading),
        connected_title = esc(text.connected_title),
        continue_label = esc(text.continue_label),
        note = esc(text.sandbox_note),
        title = esc(title),
        lead = esc(lead),
        config = script_json(&config),
        script = PICKER_JS,
    );
    html_response(
        StatusCode::OK,
        document(text, options.dark_mode, title, &nonce, &body),
        &nonce,
    )
}

fn error_page(error: &PortalError, text: &Text, dark: bool) -> Response {
    let nonce = util::token::<16>();
    let message = error.message(text);
    let body = format!(
        "<main class=\"card\" aria-labelledby=\"title\">\
         <p class=\"brand\">SnapTrade <span class=\"pill\">Sandbox</span></p>\
         <header class=\"top\"><h1 id=\"title\">{title}</h1></header>\
         <p class=\"error\" role=\"alert\">{detail}</p>\
         <p class=\"code\">{code} · HTTP {status}</p>\
         <footer class=\"note\">{note}</footer></main>\
         <script type=\"application/json\" id=\"portal-error\">{message}</script>\
         <script nonce=\"{nonce}\">{script}</script>",
        title = esc(text.error_title),
        detail = esc(&error.detail(text)),
        code = esc(error.code()),
        status = error.status().as_u16(),
        note = esc(text.sandbox_note),
        message = script_json(&message),
        script = ERROR_JS,
    );
    html_response(
        error.status(),
        document(text, dark, text.error_title, &nonce, &body),
        &nonce,
    )
}

fn document(text: &Text, dark: bool, title: &str, nonce: &str, body: &str) -> String {
    // Badge colours as rules: the CSP allows no inline style attribute.
    let accents: String = BROKERS
        .iter()
        .map(|b| format!(".badge-{}{{background:{}}}", b.slug, b.color))
        // A light badge takes dark text (contrast).
        .chain([".badge-ALPACA{color:#1a1a1a;text-shadow:none}".to_owned()])
        .collect();
    format!(
        "<!DOCTYPE html><html lang=\"{lang}\" data-theme=\"{theme}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <title>{title} · SnapTrade sandbox</title><style nonce=\"{nonce}\">{css}{accents}</style></head>\
         <body>{body}</body></html>",
        lang = text.lang,
        theme = if dark { "dark" } else { "light" },
        title = esc(title),
        css = CSS,
    )
}

const CSS: &str = r#"
:root{--bg:#f3f5f9;--card:#fff;--text:#14171f;--muted:#5b6475;--line:#dde2ea;--hover:#f6f8fb;
--focus:#2563eb;--ok:#15803d;--err:#b42318;--shadow:0 10px 30px rgba(20,23,31,.08);color-scheme:light}
html[data-theme=dark]{--bg:#0d1117;--card:#161b22;--text:#e8ecf2;--muted:#9aa4b2;--line:#2b323c;
--hover:#1d242d;--focus:#7aa7ff;--ok:#4ade80;--err:#ff8a80;--shadow:0 10px 30px rgba(0,0,0,.45);color-scheme:dark}
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:flex-start;justify-content:center;
background:var(--bg);color:var(--text);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;padding:40px 16px}
.card{width:100%;max-width:440px;background:var(--card);border:1px solid var(--line);border-radius:16px;
box-shadow:var(--shadow);padding:28px 24px 20px}
.top{display:flex;align-items:flex-start;justify-content:space-between;gap:12px}
.brand{margin:0 0 10px;font-size:.8rem;font-weight:700;letter-spacing:.04em;text-transform:uppercase;color:var(--muted)}
.pill{display:inline-block;margin-left:6px;padding:1px 8px;border-radius:999px;border:1px solid var(--line);font-weight:600;letter-spacing:0;text-transform:none}
h1{font-size:1.35rem;line-height:1.3;margin:0 0 6px}
h2{font-size:1.15rem;margin:8px 0 4px}
.lead{color:var(--muted);margin:0 0 18px}
.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);border:0}
.brokers{list-style:none;margin:0;padding:0;display:grid;gap:10px}
button{font:inherit;color:inherit;cursor:pointer}
.broker{width:100%;display:flex;align-items:center;gap:14px;text-align:left;background:var(--card);
border:1px solid var(--line);border-radius:12px;padding:12px 14px;transition:background .15s,border-color .15s}
.broker:hover{background:var(--hover);border-color:var(--muted)}
.broker[disabled]{opacity:.55;cursor:progress}
.badge{flex:none;width:40px;height:40px;border-radius:10px;display:grid;place-items:center;font-weight:700;
font-size:1.1rem;color:#fff;background:#555;text-shadow:0 1px 1px rgba(0,0,0,.25)}
.label{display:flex;flex-direction:column;flex:1;min-width:0}
.name{font-weight:600}
.meta{color:var(--muted);font-size:.875rem}
.chev{color:var(--muted);font-size:1.4rem;line-height:1}
.close{flex:none;width:36px;height:36px;border-radius:10px;border:1px solid var(--line);background:transparent;
font-size:1.3rem;line-height:1;display:grid;place-items:center}
.close:hover{background:var(--hover)}
:focus{outline:none}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.primary{margin-top:12px;width:100%;border:0;border-radius:12px;padding:12px 16px;background:var(--focus);color:#fff;font-weight:600}
html[data-theme=dark] .primary{color:#0d1117}
.status{color:var(--muted);min-height:1.5em;margin:14px 0 0}
.error{color:var(--err);margin:10px 0 0;font-weight:500}
.error:empty,.status:empty{display:none}
.code{color:var(--muted);font-size:.875rem;margin:4px 0 0}
#done{text-align:center;padding:8px 0}
.check{width:56px;height:56px;margin:4px auto 8px;border-radius:50%;display:grid;place-items:center;
font-size:1.8rem;color:#fff;background:var(--ok)}
html[data-theme=dark] .check{color:#0d1117}
.note{margin-top:22px;padding-top:14px;border-top:1px solid var(--line);color:var(--muted);font-size:.8rem}
@media (prefers-reduced-motion:reduce){.broker{transition:none}}
"#;

/// The picker's script: connect on click, post the answer to the embedding
/// page (and the opener of a new tab), redirect at the top level when asked,
/// close on the close button or Escape.
const PICKER_JS: &str = r#"
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("portal-config").textContent);
  var framed = window.top !== window.self;
  var busy = false;
  function post(msg) {
    try { if (framed && window.parent) window.parent.postMessage(msg, "*"); } catch (e) {}
    try { if (window.opener && window.opener !== window) window.opener.postMessage(msg, "*"); } catch (e) {}
  }
  var status = document.getElementById("status");
  var error = document.getElementById("error");
  var buttons = Array.prototype.slice.call(document.querySelectorAll("button[data-broker]"));
  function setBusy(on) {
    busy = on;
    buttons.forEach(function (b) { b.disabled = on; });
  }
  function done(name) {
    document.getElementById("picker").hidden = true;
    status.textContent = "";
    var section = document.getElementById("done");
    document.getElementById("done-text").textContent = cfg.text.connected.replace("{broker}", name);
    section.hidden = false;
    var next = document.getElementById("continue");
    if (cfg.customRedirect && !framed) {
      next.hidden = false;
      next.addEventListener("click", function () { window.location.assign(cfg.customRedirect); });
      next.focus();
    } else {
      document.getElementById("done-title").focus();
    }
  }
  function connect(button) {
    if (busy) return;
    setBusy(true);
    error.textContent = "";
    var name = button.getAttribute("data-name");
    status.textContent = cfg.text.connecting.replace("{broker}", name);
    fetch(cfg.connectUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ token: cfg.token, broker: button.getAttribute("data-broker") }),
      credentials: "omit",
      cache: "no-store"
    }).then(function (r) {
      return r.json().catch(function () {
        return { status: "ERROR", errorCode: "BAD_ANSWER", statusCode: r.status, detail: "Unexpected answer" };
      });
    }, function (e) {
      return { status: "ERROR", errorCode: "NETWORK_ERROR", statusCode: 0, detail: String(e) };
    }).then(function (msg) {
      post(msg);
      if (msg && msg.status === "SUCCESS") {
        if (cfg.customRedirect && cfg.immediateRedirect && !framed) {
          window.location.assign(cfg.customRedirect);
          return;
        }
        done(name);
      } else {
        status.textContent = "";
        error.textContent = (msg && msg.detail) || "Error";
        setBusy(false);
        button.focus();
      }
    });
  }
  buttons.forEach(function (b) {
    b.addEventListener("click", function () { connect(b); });
  });
  function close() {
    post("CLOSED");
    status.textContent = cfg.text.closed;
    if (window.opener && !framed) { try { window.close(); } catch (e) {} }
  }
  var closeButton = document.getElementById("close");
  if (closeButton) {
    closeButton.addEventListener("click", close);
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });
  }
  if (buttons.length) buttons[0].focus();
})();
"#;

/// The error page's script: tell the embedding page (or opener) what failed.
const ERROR_JS: &str = r#"
(function () {
  "use strict";
  var msg = JSON.parse(document.getElementById("portal-error").textContent);
  var framed = window.top !== window.self;
  try { if (framed && window.parent) window.parent.postMessage(msg, "*"); } catch (e) {}
  try { if (window.opener && window.opener !== window) window.opener.postMessage(msg, "*"); } catch (e) {}
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            script_json(&json!({"u": "</script><b>&"})),
            r#"{"u":"\u003c/script\u003e\u003cb\u003e\u0026"}"#
        );
    }

    #[test]
    fn origins() {
        assert_eq!(
            origin_of("http://127.0.0.1:8080/x/y"),
            "http://127.0.0.1:8080"
        );
        assert_eq!(origin_of("https://a.example"), "https://a.example");
    }

    #[test]
    fn sessions_expire_and_are_single_use() {
        let sessions = Sessions::default();
        let opts = Options {
            locale: "en",
            connection_type: "read".into(),
            ..Options::default()
        };
        let live = sessions.open("c", "u", opts.clone(), Duration::from_secs(60));
        assert!(sessions.live(&live).is_ok());
        sessions.mark_used(&live);
        assert_eq!(sessions.live(&live).unwrap_err(), PortalError::UsedLink);
        let dead = sessions.open("c", "u", opts, Duration::ZERO);
        assert_eq!(sessions.live(&dead).unwrap_err(), PortalError::ExpiredLink);
        assert_eq!(sessions.live("nope").unwrap_err(), PortalError::UnknownLink);
    }
}

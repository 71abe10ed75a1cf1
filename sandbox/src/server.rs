//! Routing, request verification, rate limiting and the six operations.

use crate::failure::{code, json_response, Failure};
use crate::store::{self, State as Store, User};
use crate::util::{self, QueryParam};
use crate::SandboxConfig;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;
use snaptrade::models;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Largest request body read, in bytes.
const MAX_BODY: usize = 1 << 20;
/// Request body bytes held in memory at once, across all requests, in KiB:
/// even requests that look authenticated cannot make the sandbox balloon.
const BODY_BUDGET_KIB: usize = 32 * 1024;
/// The rolling window of the rate limit.
const RATE_WINDOW: Duration = Duration::from_secs(60);

static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
static X_RATELIMIT_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
static X_RATELIMIT_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
static X_RATELIMIT_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
static DEPRECATION: HeaderName = HeaderName::from_static("deprecation");

/// Shared state of one sandbox.
pub(crate) struct App {
    config: SandboxConfig,
    store: Mutex<Store>,
    /// Serializes changes (and writes of the state file): a change is made
    /// on a copy, written, and only then becomes the state.
    persist: tokio::sync::Mutex<()>,
    /// The OS lock on the state file: one sandbox per file.
    _state_lock: Option<std::fs::File>,
    /// KiB of request bodies that may be held in memory (see [`BODY_BUDGET_KIB`]).
    body_budget: tokio::sync::Semaphore,
    /// Client id → arrival times of its requests within the rate window.
    limiter: Mutex<HashMap<String, VecDeque<Instant>>>,
    /// What was received and how it was answered.
    pub(crate) counters: Arc<Counters>,
    /// Webhook deliveries, when configured.
    webhooks: Option<crate::webhook::Deliverer>,
    /// The Connection Portal links handed out by `login`.
    pub(crate) portal: crate::portal::Sessions,
}

/// Request counters, read through [`crate::RunningSandbox::stats`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    received: AtomicU64,
    succeeded: AtomicU64,
    throttled: AtomicU64,
    signature_mismatches: AtomicU64,
    other_errors: AtomicU64,
    pub(crate) webhooks: Arc<crate::webhook::Counters>,
    /// Arrival times, when `SandboxConfig::record_arrivals` is on.
    arrivals: Mutex<Vec<Instant>>,
}

impl Counters {
    pub(crate) fn snapshot(&self) -> crate::SandboxStats {
        let load = |a: &AtomicU64| a.load(Ordering::SeqCst);
        crate::SandboxStats {
            received: load(&self.received),
            succeeded: load(&self.succeeded),
            throttled: load(&self.throttled),
            signature_mismatches: load(&self.signature_mismatches),
            other_errors: load(&self.other_errors),
        }
    }

    pub(crate) fn arrivals(&self) -> Vec<Instant> {
        self.arrivals
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

impl App {
    pub(crate) fn new(config: SandboxConfig) -> std::io::Result<App> {
        let (store, state_lock) = match &config.state_file {
            // Locked first: a second sandbox on the file must not even read it.
            Some(path) => {
                let lock = store::lock(path)?;
                (store::load(path)?, Some(lock))
            }
            None => (Store::default(), None),
        };
        let counters = Arc::<Counters>::default();
        let webhooks = crate::webhook::Deliverer::new(&config, counters.webhooks.clone())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        Ok(App {
            config,
            store: Mutex::new(store),
            persist: tokio::sync::Mutex::new(()),
            _state_lock: state_lock,
            body_budget: tokio::sync::Semaphore::new(BODY_BUDGET_KIB),
            limiter: Mutex::new(HashMap::new()),
            counters,
            webhooks,
            portal: crate::portal::Sessions::default(),
        })
    }

    /// The webhook deliverer, when webhooks are on.
    pub(crate) fn webhooks(&self) -> Option<&crate::webhook::Deliverer> {
        self.webhooks.as_ref()
    }

    /// The URL the sandbox is reached at, without a trailing `/`:
    /// [`SandboxConfig::public_url`], else `http://` and the request's `Host`.
    pub(crate) fn public_url(&self, headers: &axum::http::HeaderMap) -> String {
        if let Some(url) = &self.config.public_url {
            return url.trim_end_matches('/').to_owned();
        }
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b".-:[]_".contains(&b))
            })
            .unwrap_or("127.0.0.1");
        format!("http://{host}")
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave a half-applied change
        // (every mutation is one Vec operation), so a poisoned lock is usable.
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn now(&self) -> u64 {
        match &self.config.clock {
            Some(clock) => clock(),
            None => util::system_unix_seconds(),
        }
    }

    /// Applies `change` to the users. With a state file the change is made
    /// on a copy, the copy is written, and only then does it replace the
    /// state: a change that cannot be written did not happen (500), and one
    /// that is answered is on disk. Readers never see an unwritten change.
    pub(crate) async fn commit<R>(
        &self,
        change: impl FnOnce(&mut Store) -> Result<R, Failure>,
    ) -> Result<R, Failure> {
        let Some(path) = self.config.state_file.clone() else {
            return change(&mut self.store());
        };
        let _guard = self.persist.lock().await;
        let mut next = self.store().clone();
        let result = change(&mut next)?;
        let written =
            tokio::task::spawn_blocking(move || store::save(&path, &next).map(|()| next)).await;
        match written {
            Ok(Ok(next)) => {
                *self.store() = next;
                Ok(result)
            }
            Ok(Err(e)) => {
                eprintln!("snaptrade-sandbox: cannot write the state file (change undone): {e}");
                Err(Failure::unexpected())
            }
            Err(e) => {
                eprintln!("snaptrade-sandbox: state file writer failed (change undone): {e}");
                Err(Failure::unexpected())
            }
        }
    }

    /// Counts a request against `client_id`'s limit.
    fn rate_limit(&self, client_id: &str) -> Result<Option<RateInfo>, Failure> {
        let Some(limit) = self.config.rate_limit_per_minute.filter(|n| *n > 0) else {
            return Ok(None);
        };
        let now = Instant::now();
        let mut map = self.limiter.lock().unwrap_or_else(|e| e.into_inner());
        let times = map.entry(client_id.to_owned()).or_default();
        while times
            .front()
            .is_some_and(|t| now.duration_since(*t) >= RATE_WINDOW)
        {
            times.pop_front();
        }
        let reset_after = |times: &VecDeque<Instant>| {
            times.front().map_or(RATE_WINDOW.as_secs(), |first| {
                let left = (*first + RATE_WINDOW).saturating_duration_since(now);
                // Whole seconds, rounded up, so waiting that long is enough.
                left.as_secs() + u64::from(left.subsec_nanos() > 0)
            })
        };
        if times.len() >= limit as usize {
            let reset = reset_after(times).max(1);
            let info = RateInfo {
                limit,
                remaining: 0,
                reset,
            };
            let mut failure = Failure::throttled(reset);
            failure.headers.extend(info.headers());
            return Err(failure);
        }
        times.push_back(now);
        Ok(Some(RateInfo {
            limit,
            remaining: limit - times.len() as u32,
            reset: reset_after(times),
        }))
    }
}

/// The rate-limit state after a request.
struct RateInfo {
    limit: u32,
    remaining: u32,
    reset: u64,
}

impl RateInfo {
    fn headers(&self) -> [(HeaderName, HeaderValue); 3] {
        [
            (X_RATELIMIT_LIMIT.clone(), HeaderValue::from(self.limit)),
            (
                X_RATELIMIT_REMAINING.clone(),
                HeaderValue::from(self.remaining),
            ),
            (X_RATELIMIT_RESET.clone(), HeaderValue::from(self.reset)),
        ]
    }
}

/// The six operations, the connection operations and the portal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Status,
    ListUsers,
    RegisterUser,
    DeleteUser,
    Login,
    ResetUserSecret,
    /// `GET /authorizations` (SnapTrade's `listBrokerageAuthorizations`).
    ListAuthorizations,
    /// `POST /authorizations/{id}/disable` (SnapTrade's `disableBrokerageAuthorization`).
    DisableAuthorization,
    /// `GET /snapTrade/redeemToken`: the portal page (unsigned).
    PortalPage,
    /// `POST /snapTrade/portal/connect`: the page's connect request (unsigned, token-bound).
    PortalConnect,
}

impl Op {
    fn from_path(path: &str) -> Option<Op> {
        Some(match path {
            "/" => Op::Status,
            "/snapTrade/listUsers" => Op::ListUsers,
            "/snapTrade/registerUser" => Op::RegisterUser,
            "/snapTrade/deleteUser" => Op::DeleteUser,
            "/snapTrade/login" => Op::Login,
            "/snapTrade/resetUserSecret" => Op::ResetUserSecret,
            "/authorizations" => Op::ListAuthorizations,
            crate::portal::PAGE_PATH => Op::PortalPage,
            crate::portal::CONNECT_PATH => Op::PortalConnect,
            _ if disabled_authorization(path).is_some() => Op::DisableAuthorization,
            _ => return None,
        })
    }

    fn method(self) -> Method {
        match self {
            Op::Status | Op::ListUsers | Op::ListAuthorizations | Op::PortalPage => Method::GET,
            Op::RegisterUser
            | Op::Login
            | Op::ResetUserSecret
            | Op::DisableAuthorization
            | Op::PortalConnect => Method::POST,
            Op::DeleteUser => Method::DELETE,
        }
    }

    fn allow(self) -> HeaderValue {
        HeaderValue::from_static(match self.method().as_str() {
            "GET" => "GET",
            "POST" => "POST",
            _ => "DELETE",
        })
    }
}

/// The connection id of `/authorizations/{id}/disable`.
fn disabled_authorization(path: &str) -> Option<&str> {
    let id = path
        .strip_prefix("/authorizations/")?
        .strip_suffix("/disable")?;
    (!id.is_empty() && !id.contains('/')).then_some(id)
}

/// Splits off the legacy `/api/v1` prefix: `(is_legacy, path_without_prefix)`.
fn strip_legacy(path: &str) -> (bool, &str) {
    match path.strip_prefix(crate::LEGACY_PREFIX) {
        Some("") => (true, "/"),
        Some(rest) if rest.starts_with('/') => (true, rest),
        _ => (false, path),
    }
}

/// The one handler: every request comes through here.
pub(crate) async fn handle(State(app): State<Arc<App>>, request: Request) -> Response {
    app.counters.received.fetch_add(1, Ordering::SeqCst);
    if app.config.record_arrivals {
        let mut log = app
            .counters
            .arrivals
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        log.push(Instant::now());
    }
    let request_id = util::uuid_v4();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let (legacy, route_path) = strip_legacy(&path);
    let route_path = route_path.to_owned();

    let mut response = dispatch(&app, request, &route_path)
        .await
        .unwrap_or_else(IntoResponse::into_response);

    let counter = match response.status() {
        s if s.is_success() => &app.counters.succeeded,
        StatusCode::TOO_MANY_REQUESTS => &app.counters.throttled,
        _ => &app.counters.other_errors,
    };
    counter.fetch_add(1, Ordering::SeqCst);
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert(X_REQUEST_ID.clone(), value);
    }
    if legacy {
        headers.insert(DEPRECATION.clone(), HeaderValue::from_static("true"));
        if let Ok(link) =
            HeaderValue::from_str(&format!("<{route_path}>; rel=\"successor-version\""))
        {
            headers.insert(header::LINK, link);
        }
    }
    if app.config.log_requests {
        // Path only: the query may carry a user secret.
        eprintln!(
            "{method} {path} -> {} (request id {request_id})",
            response.status().as_u16()
        );
    }
    response
}

async fn dispatch(app: &Arc<App>, request: Request, route_path: &str) -> Result<Response, Failure> {
    let Some(op) = Op::from_path(route_path) else {
        return Err(Failure::not_found());
    };
    let (parts, body) = request.into_parts();
    if parts.method != op.method() {
        return Err(Failure::new(
            StatusCode::METHOD_NOT_ALLOWED,
            code::METHOD_NOT_ALLOWED,
            format!("Method \"{}\" not allowed.", parts.method),
        )
        .with_header(header::ALLOW, op.allow()));
    }
    if op == Op::Status {
        return Ok(status(app));
    }
    if op == Op::PortalPage {
        let query = util::parse_query(parts.uri.query().unwrap_or(""));
        return Ok(crate::portal::page(app, &query));
    }
    if op == Op::PortalConnect {
        // Unsigned (a browser sends it): the link token in the body is the credential.
        let body = read_body(app, &parts.headers, body).await?;
        return Ok(crate::portal::connect(app, &parts.headers, &body).await);
    }

    let raw_query = parts.uri.query().unwrap_or("");
    let query = util::parse_query(raw_query);
    // From the head alone, before a byte of the body is read or held.
    let (client_id, consumer_key, signature) = authenticate_head(app, &parts, &query)?;
    let body = read_body(app, &parts.headers, body).await?;
    verify_signature(app, &parts, raw_query, &body, consumer_key, signature)?;
    let rate = app.rate_limit(&client_id)?;

    let result = match op {
        Op::Status | Op::PortalPage | Op::PortalConnect => unreachable!("answered above"),
        Op::ListUsers => Ok(list_users(app, &client_id)),
        Op::RegisterUser => register_user(app, &client_id, &body).await,
        Op::DeleteUser => delete_user(app, &client_id, &query).await,
        Op::Login => login(app, &client_id, &query, &parts.headers, &body),
        Op::ListAuthorizations => list_authorizations(app, &client_id, &query),
        Op::DisableAuthorization => {
            let id = disabled_authorization(route_path).unwrap_or_default();
            disable_authorization(app, &client_id, &query, id).await
        }
        Op::ResetUserSecret => reset_user_secret(app, &client_id, &body).await,
    };
    let mut response = result.unwrap_or_else(IntoResponse::into_response);
    if let Some(rate) = rate {
        response.headers_mut().extend(rate.headers());
    }
    Ok(response)
}

/// Reads the body: at most [`MAX_BODY`] bytes, within the body read
/// timeout, and within the sandbox-wide budget of body bytes in memory.
async fn read_body(
    app: &App,
    headers: &axum::http::HeaderMap,
    body: Body,
) -> Result<axum::body::Bytes, Failure> {
    let too_large = || {
        Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            code::BODY_TOO_LARGE,
            format!("Request body is larger than {MAX_BODY} bytes or could not be read."),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    let timeout = app.config.limits.body_read_timeout;
    let late = || {
        Failure::new(
            StatusCode::REQUEST_TIMEOUT,
            code::BODY_TIMEOUT,
            format!(
                "Request body not received within {} seconds.",
                timeout.as_secs_f64()
            ),
        )
        .with_header(header::CONNECTION, HeaderValue::from_static("close"))
    };
    let read = async {
        // Without a length (chunked), the most it may grow to is reserved.
        let bytes = declared.map_or(MAX_BODY, |n| n as usize);
        let kib = u32::try_from(bytes.div_ceil(1024).max(1)).unwrap_or(u32::MAX);
        let _reserved = app
            .body_budget
            .acquire_many(kib)
            .await
            .map_err(|_| late())?;
        axum::body::to_bytes(body, MAX_BODY)
            .await
            .map_err(|_| too_large())
    };
    tokio::time::timeout(timeout, read)
        .await
        .unwrap_or_else(|_| Err(late()))
}

/// The first query parameter called `name`.
fn param<'a>(query: &'a [QueryParam], name: &str) -> Option<&'a QueryParam> {
    query.iter().find(|p| p.name == name)
}

/// Checks `clientId`, `timestamp` and the presence of `Signature` the way
/// SnapTrade does, from the request head; returns the client id, its
/// consumer key and the signature.
fn authenticate_head<'a>(
    app: &'a App,
    parts: &'a axum::http::request::Parts,
    query: &[QueryParam],
) -> Result<(String, &'a str, &'a str), Failure> {
    let client_id = match param(query, "clientId").map(|p| p.value.as_deref()) {
        None | Some(Ok("")) => {
            return Err(Failure::unauthorized(
                code::CLIENT_ID_MISSING,
                "Missing clientId query parameter.",
            ))
        }
        Some(Ok(id)) => id.to_owned(),
        Some(Err(_)) => return Err(unknown_client()),
    };
    let Some(consumer_key) = app.config.clients.get(&client_id) else {
        return Err(unknown_client());
    };

    let Some(timestamp) = param(query, "timestamp") else {
        return Err(Failure::unauthorized(
            code::TIMESTAMP_MISSING,
            "Missing timestamp query parameter.",
        ));
    };
    let Some(timestamp) = timestamp
        .value
        .as_ref()
        .ok()
        .and_then(|t| t.parse::<i64>().ok())
    else {
        return Err(Failure::unauthorized(
            code::TIMESTAMP_INVALID,
            "The timestamp query parameter must be an integer number of seconds since the Unix epoch.",
        ));
    };
    let now = i64::try_from(app.now()).unwrap_or(i64::MAX);
    let window = i64::try_from(app.config.timestamp_window.as_secs()).unwrap_or(i64::MAX);
    if timestamp.abs_diff(now) > window.unsigned_abs() {
        return Err(Failure::unauthorized(
            code::TIMESTAMP_STALE,
            format!(
                "The request timestamp {timestamp} is {} seconds away from server time {now}; \
                 at most {window} seconds are allowed. Check the clock.",
                timestamp.abs_diff(now)
            ),
        ));
    }

    let Some(signature) = parts.headers.get("signature").and_then(|v| v.to_str().ok()) else {
        app.counters
            .signature_mismatches
            .fetch_add(1, Ordering::SeqCst);
        return Err(Failure::signature());
    };
    Ok((client_id, consumer_key, signature))
}

/// Checks the `Signature` over the path, raw query and body (constant time).
fn verify_signature(
    app: &App,
    parts: &axum::http::request::Parts,
    raw_query: &str,
    body: &[u8],
    consumer_key: &str,
    signature: &str,
) -> Result<(), Failure> {
    match snaptrade::sign::verify(consumer_key, parts.uri.path(), raw_query, body, signature) {
        Ok(true) => Ok(()),
        Ok(false) => {
            app.counters
                .signature_mismatches
                .fetch_add(1, Ordering::SeqCst);
            Err(Failure::signature())
        }
        Err(_) => Err(Failure::malformed_json()),
    }
}

fn unknown_client() -> Failure {
    Failure::unauthorized(
        code::CLIENT_ID_UNKNOWN,
        "Unknown clientId: it is not registered with this server.",
    )
}

/// A required, non-empty query value.
fn required_query(query: &[QueryParam], name: &str) -> Result<String, Failure> {
    match param(query, name).map(|p| &p.value) {
        None => Err(Failure::missing(name)),
        Some(Ok(v)) if v.is_empty() => Err(Failure::missing(name)),
        Some(Ok(v)) => Ok(v.clone()),
        Some(Err(())) => Err(Failure::invalid(
            name,
            "not valid UTF-8 once percent-decoded",
        )),
    }
}

/// The JSON body, `None` when there is none (empty or only whitespace).
fn json_body(body: &[u8]) -> Result<Option<Value>, Failure> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(body)
        .map(Some)
        .map_err(|_| Failure::malformed_json())
}

/// Decodes a JSON object body into `T`, first checking that each of
/// `required` is present, not null and (for strings) not empty.
fn decode<T: DeserializeOwned>(body: Option<Value>, required: &[&str]) -> Result<T, Failure> {
    let value = match body {
        None | Some(Value::Null) => Value::Object(Default::default()),
        Some(v @ Value::Object(_)) => v,
        Some(_) => return Err(Failure::invalid("request body", "expected a JSON object")),
    };
    for field in required {
        match value.get(*field) {
            None | Some(Value::Null) => return Err(Failure::missing(field)),
            Some(Value::String(s)) if s.is_empty() => return Err(Failure::missing(field)),
            Some(_) => {}
        }
    }
    serde_json::from_value(value).map_err(|e| Failure::invalid("request body", e))
}

fn status(app: &App) -> Response {
    // The configured clock, when there is one, so that clients measuring the
    // skew from `GET /` see the time the sandbox checks timestamps against.
    let timestamp = match &app.config.clock {
        Some(clock) => util::rfc3339(clock(), 0),
        None => util::rfc3339_now(),
    };
    json_response(
        StatusCode::OK,
        &models::Status {
            version: Some(crate::STATUS_VERSION),
            timestamp: Some(timestamp),
            online: Some(true),
        },
    )
}

fn list_users(app: &App, client_id: &str) -> Response {
    let ids: Vec<String> = app
        .store()
        .users(client_id)
        .iter()
        .map(|u| u.user_id.clone())
        .collect();
    json_response(StatusCode::OK, &ids)
}

async fn register_user(app: &App, client_id: &str, body: &[u8]) -> Result<Response, Failure> {
    let request: models::SnapTradeRegisterUserRequestBody = decode(json_body(body)?, &["userId"])?;
    let user = User::new(request.user_id, util::uuid_v4());
    app.commit(|store| {
        if store.insert(client_id, user.clone()) {
            Ok(())
        } else {
            Err(Failure::bad_request(
                code::USER_EXISTS,
                "A user with this userId already exists.",
            ))
        }
    })
    .await?;
    if let Some(webhooks) = &app.webhooks {
        webhooks.user_registered(client_id, &user.user_id);
    }
    Ok(json_response(
        StatusCode::OK,
        &models::UserIdAndSecret {
            user_id: Some(user.user_id),
            user_secret: Some(user.user_secret.into()),
        },
    ))
}

async fn delete_user(
    app: &Arc<App>,
    client_id: &str,
    query: &[QueryParam],
) -> Result<Response, Failure> {
    let user_id = required_query(query, "userId")?;
    let delay = app.config.delete_delay;
    if delay.is_zero() {
        app.commit(|store| {
            if store.remove(client_id, &user_id) {
                Ok(())
            } else {
                Err(Failure::not_found())
            }
        })
        .await?;
        if let Some(webhooks) = &app.webhooks {
            webhooks.user_deleted(client_id, &user_id);
        }
    } else {
        // Queued, as SnapTrade does: the user stays until the delay is over
        // (a second request keeps the first due time).
        let due =
            util::unix_millis().saturating_add(delay.as_millis().try_into().unwrap_or(u64::MAX));
        let due = app
            .commit(|store| {
                let user = store
                    .user_mut(client_id, &user_id)
                    .ok_or_else(Failure::not_found)?;
                Ok(*user.delete_at_ms.get_or_insert(due))
            })
            .await?;
        schedule_deletion(app, client_id, &user_id, due);
    }
    Ok(json_response(
        StatusCode::OK,
        &models::DeleteUserResponse {
            status: Some("deleted".into()),
            detail: Some(
                "The user and everything stored for them are being deleted; \
                 a USER_DELETED webhook follows when it is done."
                    .into(),
            ),
            user_id: Some(user_id),
        },
    ))
}

/// Removes `user_id` of `client_id` at `due_ms` (Unix milliseconds) and
/// sends `USER_DELETED`, unless the sandbox is gone by then. Needs a Tokio
/// runtime (without one the deletion waits for the next start).
pub(crate) fn schedule_deletion(app: &Arc<App>, client_id: &str, user_id: &str, due_ms: u64) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let app = Arc::downgrade(app);
    let (client_id, user_id) = (client_id.to_owned(), user_id.to_owned());
    runtime.spawn(async move {
        let wait = due_ms.saturating_sub(util::unix_millis());
        tokio::time::sleep(Duration::from_millis(wait)).await;
        loop {
            let Some(app) = app.upgrade() else { return };
            let finished = app
                .commit(|store| {
                    let pending = store
                        .user(&client_id, &user_id)
                        .is_some_and(|u| u.delete_at_ms == Some(due_ms));
                    if pending {
                        store.remove(&client_id, &user_id);
                    }
                    Ok(pending)
                })
                .await;
            match finished {
                Ok(true) => {
                    if let Some(webhooks) = &app.webhooks {
                        webhooks.user_deleted(&client_id, &user_id);
                    }
                    return;
                }
                Ok(false) => return,
                // The state file could not be written: try again shortly.
                Err(_) => {
                    drop(app);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
    });
}

/// Starts the timers of the deletions pending in the loaded state.
pub(crate) fn resume_deletions(app: &Arc<App>) {
    let pending: Vec<(String, String, u64)> = app
        .store()
        .clients
        .iter()
        .flat_map(|(client, users)| {
            users.iter().filter_map(move |u| {
                u.delete_at_ms
                    .map(|due| (client.clone(), u.user_id.clone(), due))
            })
        })
        .collect();
    for (client_id, user_id, due) in pending {
        schedule_deletion(app, &client_id, &user_id, due);
    }
}

/// Checks `userId` and `userSecret` of the query: 404 for an unknown user,
/// 403 for a wrong secret (as `login`). Returns the user id.
fn verify_user(app: &App, client_id: &str, query: &[QueryParam]) -> Result<String, Failure> {
    let user_id = required_query(query, "userId")?;
    let user_secret = required_query(query, "userSecret")?;
    let store = app.store();
    let user = store
        .user(client_id, &user_id)
        .ok_or_else(Failure::not_found)?;
    if !util::constant_time_eq(user.user_secret.as_bytes(), user_secret.as_bytes()) {
        return Err(Failure::forbidden());
    }
    Ok(user_id)
}

/// `GET /authorizations?userId&userSecret`: the user's connections.
fn list_authorizations(
    app: &App,
    client_id: &str,
    query: &[QueryParam],
) -> Result<Response, Failure> {
    let user_id = verify_user(app, client_id, query)?;
    let store = app.store();
    let connections: Vec<Value> = store
        .user(client_id, &user_id)
        .map(|u| {
            u.connections
                .iter()
                .enumerate()
                .map(|(i, c)| crate::portal::authorization_json(c, i))
                .collect()
        })
        .unwrap_or_default();
    Ok(json_response(StatusCode::OK, &connections))
}

/// `POST /authorizations/{id}/disable?userId&userSecret`: breaks a
/// connection on purpose, to test repairing it (SnapTrade's
/// `disableBrokerageAuthorization`); sends `CONNECTION_BROKEN`.
async fn disable_authorization(
    app: &App,
    client_id: &str,
    query: &[QueryParam],
    id: &str,
) -> Result<Response, Failure> {
    let user_id = verify_user(app, client_id, query)?;
    let now = util::rfc3339_now();
    let broker = app
        .commit(|store| {
            let connection = store
                .user_mut(client_id, &user_id)
                .and_then(|u| u.connections.iter_mut().find(|c| c.id == id))
                .ok_or_else(Failure::not_found)?;
            if connection.disabled {
                let mut already = Failure::new(
                    StatusCode::PAYMENT_REQUIRED,
                    code::CONNECTION_DISABLED,
                    "This connection is already disabled.",
                );
                already.body = serde_json::json!({
                    "detail": "This connection is already disabled.",
                    "code": code::CONNECTION_DISABLED,
                });
                return Err(already);
            }
            connection.disabled = true;
            connection.disabled_at = Some(now.clone());
            connection.updated = now.clone();
            Ok(connection.broker.clone())
        })
        .await?;
    if let (Some(webhooks), Some(broker)) = (&app.webhooks, crate::portal::broker(&broker)) {
        webhooks.connection_event(
            crate::webhook::CONNECTION_BROKEN,
            client_id,
            &user_id,
            Some(id),
            broker,
        );
    }
    Ok(json_response(
        StatusCode::OK,
        &serde_json::json!({"detail": format!("Connection {id} has been disabled")}),
    ))
}

fn login(
    app: &App,
    client_id: &str,
    query: &[QueryParam],
    headers: &axum::http::HeaderMap,
    body: &[u8],
) -> Result<Response, Failure> {
    let user_id = required_query(query, "userId")?;
    let user_secret = required_query(query, "userSecret")?;
    let body = json_body(body)?;
    {
        let store = app.store();
        let user = store
            .user(client_id, &user_id)
            .ok_or_else(Failure::not_found)?;
        if !util::constant_time_eq(user.user_secret.as_bytes(), user_secret.as_bytes()) {
            return Err(Failure::forbidden());
        }
    }
    let options: models::SnapTradeLoginUserRequestBody = decode(body, &[])?;
    let session_id = util::uuid_v4();
    let redirect_uri = portal_link(app, headers, client_id, &user_id, &session_id, &options)?;
    Ok(json_response(
        StatusCode::OK,
        &models::LoginRedirectUri {
            redirect_uri: Some(redirect_uri),
            session_id: Some(session_id),
        },
    ))
}

/// The Connection Portal link for a login: a new portal session valid for
/// [`SandboxConfig::portal_ttl`], whose token the link carries. The link
/// also shows the options (the page uses the ones stored with the session).
fn portal_link(
    app: &App,
    headers: &axum::http::HeaderMap,
    client_id: &str,
    user_id: &str,
    session_id: &str,
    options: &models::SnapTradeLoginUserRequestBody,
) -> Result<String, Failure> {
    let mut pairs: Vec<(&str, String)> = vec![
        ("clientId", client_id.to_owned()),
        ("sessionId", session_id.to_owned()),
    ];
    if let Some(broker) = &options.broker {
        pairs.push(("broker", broker.clone()));
    }
    // Values the spec does not list decode as `Other(..)`: SnapTrade rejects them.
    if let Some(kind) = &options.connection_type {
        if let models::ConnectionType::Other(value) = kind {
            return Err(not_listed(
                "connectionType",
                value,
                &["read", "trade", "trade-if-available"],
            ));
        }
        pairs.push(("connectionType", kind.as_str().to_owned()));
    }
    if let Some(version) = &options.connection_portal_version {
        if let models::ConnectionPortalVersion::Other(value) = version {
            return Err(not_listed(
                "connectionPortalVersion",
                value,
                &["v4", "v3", "v2"],
            ));
        }
        pairs.push(("connectionPortalVersion", version.as_str().to_owned()));
    }
    if options.dark_mode == Some(true) {
        pairs.push(("darkMode", "true".into()));
    }
    if let Some(flag) = options.immediate_redirect {
        pairs.push(("immediateRedirect", flag.to_string()));
    }
    if let Some(url) = &options.custom_redirect {
        pairs.push(("customRedirect", url.clone()));
    }
    if let Some(connection) = &options.reconnect {
        pairs.push(("reconnect", connection.clone()));
    }
    if let Some(flag) = options.show_close_button {
        pairs.push(("showCloseButton", flag.to_string()));
    }
    let locale = match &options.locale {
        Some(locale) => {
            let locale = normalize_locale(locale)?;
            pairs.push(("locale", locale.to_owned()));
            locale
        }
        None => "en",
    };
    let portal_options = crate::portal::Options::from_login(options, locale)?;
    let token = app
        .portal
        .open(client_id, user_id, portal_options, app.config.portal_ttl);
    pairs.insert(0, ("token", token));
    let query = snaptrade::runtime::query_string(pairs.iter().map(|(n, v)| (*n, v.as_str())));
    Ok(format!(
        "{}{}?{query}",
        app.public_url(headers),
        crate::portal::PAGE_PATH
    ))
}

fn not_listed(field: &str, value: &str, allowed: &[&str]) -> Failure {
    Failure::invalid(
        field,
        format!("{value:?} is not one of {}", allowed.join(", ")),
    )
}

/// `en` or `pt-BR`, accepting any case, `_` for `-`, and regional English tags.
pub(crate) fn normalize_locale(locale: &str) -> Result<&'static str, Failure> {
    let folded = locale.trim().replace('_', "-").to_ascii_lowercase();
    let english = folded == "en"
        || folded.strip_prefix("en-").is_some_and(|region| {
            !region.is_empty() && region.chars().all(|c| c.is_ascii_alphanumeric())
        });
    if english {
        Ok("en")
    } else if folded == "pt-br" {
        Ok("pt-BR")
    } else {
        Err(Failure::bad_request(
            code::LOCALE_UNSUPPORTED,
            format!("Unsupported locale {locale:?}: use en or pt-BR."),
        ))
    }
}

async fn reset_user_secret(app: &App, client_id: &str, body: &[u8]) -> Result<Response, Failure> {
    let request: models::UserIdAndSecret = decode(json_body(body)?, &["userId", "userSecret"])?;
    let (Some(user_id), Some(old_secret)) = (request.user_id, request.user_secret) else {
        return Err(Failure::missing("userId"));
    };
    let new_secret = app
        .commit(|store| {
            let user = store
                .user_mut(client_id, &user_id)
                .filter(|u| {
                    util::constant_time_eq(u.user_secret.as_bytes(), old_secret.expose().as_bytes())
                })
                .ok_or_else(|| {
                    Failure::unauthorized(code::USER_UNVERIFIED, "Unable to verify user")
                })?;
            user.user_secret = util::uuid_v4();
            Ok(user.user_secret.clone())
        })
        .await?;
    Ok(json_response(
        StatusCode::OK,
        &models::UserIdAndSecret {
            user_id: Some(user_id),
            user_secret: Some(new_secret.into()),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales() {
        for ok in ["en", "EN", "en-US", "en_gb", "pt-BR", "pt_br", "PT-br"] {
            assert!(normalize_locale(ok).is_ok(), "{ok}");
        }
        assert_eq!(normalize_locale("en_US").unwrap(), "en");
        assert_eq!(normalize_locale("pt_br").unwrap(), "pt-BR");
        for bad in ["fr", "pt", "pt-PT", "en-", "english", "", "es-BR"] {
            assert_eq!(
                normalize_locale(bad).unwrap_err().status,
                StatusCode::BAD_REQUEST,
                "{bad}"
            );
        }
    }

    #[test]
    fn legacy_prefix() {
        assert_eq!(strip_legacy("/api/v1"), (true, "/"));
        assert_eq!(strip_legacy("/api/v1/"), (true, "/"));
        assert_eq!(
            strip_legacy("/api/v1/snapTrade/login"),
            (true, "/snapTrade/login")
        );
        assert_eq!(strip_legacy("/api/v10/x"), (false, "/api/v10/x"));
        assert_eq!(
            strip_legacy("/snapTrade/login"),
            (false, "/snapTrade/login")
        );
    }
}

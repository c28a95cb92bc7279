//! Prometheus metrics of one server: requests per route template and status class, their
//! latency, the database pool, computed-indicator time and build information. Each [`Db`]
//! owns one registry (so two servers in one process, as in the tests, count apart); the text
//! exposition is the `prometheus` crate's encoder. Labels are route templates, methods and status
//! classes only, never a path, a slug or a value, so the series are bounded and carry no data.
//!
//! [`Db`]: crate::Db

use std::time::Duration;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

/// The metrics a server records (see the module documentation).
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    request_seconds: HistogramVec,
    pool_wait_seconds: Histogram,
    pool_timeouts: IntCounter,
    writer_wait_seconds: Histogram,
    pool_connections: IntGaugeVec,
    pool_max: IntGauge,
    indicator_seconds: HistogramVec,
}

/// Request latency buckets: a cached dashboard read takes well under a millisecond, a cold
/// national comparison about a second.
const REQUEST_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];
const WAIT_BUCKETS: &[f64] = &[0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0];

impl Metrics {
    /// A registry with every metric registered; `backend` goes into `retning_build_info`.
    pub fn new(backend: &str) -> Result<Self, prometheus::Error> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "retning_http_requests_total",
                "HTTP requests answered, by route template, method and status class",
            ),
            &["route", "method", "status"],
        )?;
        let request_seconds = HistogramVec::new(
            HistogramOpts::new(
                "retning_http_request_duration_seconds",
                "Time from receiving a request to its answer, by route template, method and status class",
            )
            .buckets(REQUEST_BUCKETS.to_vec()),
            &["route", "method", "status"],
        )?;
        let pool_wait_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "retning_db_pool_wait_seconds",
                "Time a unit of work waited for a database connection from the pool",
            )
            .buckets(WAIT_BUCKETS.to_vec()),
        )?;
        let pool_timeouts = IntCounter::new(
            "retning_db_pool_timeouts_total",
            "Units of work that got no connection in time (answered 503)",
        )?;
        let writer_wait_seconds = Histogram::with_opts(
            HistogramOpts::new(
                "retning_db_writer_wait_seconds",
                "SQLite only: time a write waited for this process's writer lock",
            )
            .buckets(WAIT_BUCKETS.to_vec()),
        )?;
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "retning_db_pool_connections",
                "Database connections of the pool, by state (in_use, idle), when scraped",
            ),
            &["state"],
        )?;
        let pool_max = IntGauge::new(
            "retning_db_pool_max_connections",
            "The pool's largest number of connections",
        )?;
        let indicator_seconds = HistogramVec::new(
            HistogramOpts::new(
                "retning_indicator_compute_seconds",
                "Time spent computing an indicator's value (cache misses only), by indicator",
            )
            .buckets(REQUEST_BUCKETS.to_vec()),
            &["indicator"],
        )?;
        let build_info = IntGaugeVec::new(
            Opts::new(
                "retning_build_info",
                "Always 1; the labels say which build and backend answer",
            ),
            &["version", "backend"],
        )?;
        build_info
            .with_label_values(&[env!("CARGO_PKG_VERSION"), backend])
            .set(1);
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(request_seconds.clone()))?;
        registry.register(Box::new(pool_wait_seconds.clone()))?;
        registry.register(Box::new(pool_timeouts.clone()))?;
        registry.register(Box::new(writer_wait_seconds.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_max.clone()))?;
        registry.register(Box::new(indicator_seconds.clone()))?;
        registry.register(Box::new(build_info))?;
        Ok(Self {
            registry,
            requests,
            request_seconds,
            pool_wait_seconds,
            pool_timeouts,
            writer_wait_seconds,
            pool_connections,
            pool_max,
            indicator_seconds,
        })
    }

    /// One answered request. `route` is the matched template (`/api/v1/…/{id}`), or
    /// `unmatched` for a path no route matched.
    pub fn request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let class = match status {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        let labels = [route, method, class];
        self.requests.with_label_values(&labels).inc();
        self.request_seconds
            .with_label_values(&labels)
            .observe(elapsed.as_secs_f64());
    }

    pub(crate) fn pool_wait(&self, waited: Duration, got: bool) {
        self.pool_wait_seconds.observe(waited.as_secs_f64());
        if !got {
            self.pool_timeouts.inc();
        }
    }

    pub(crate) fn writer_wait(&self, waited: Duration) {
        self.writer_wait_seconds.observe(waited.as_secs_f64());
    }

    pub(crate) fn indicator(&self, key: &str, took: Duration) {
        self.indicator_seconds
            .with_label_values(&[key])
            .observe(took.as_secs_f64());
    }

    /// The text exposition format (version 0.0.4), with the pool's state read now.
    pub fn render(&self, pool: (u32, u32, u32)) -> Result<String, prometheus::Error> {
        let (connections, idle, max) = pool;
        self.pool_connections
            .with_label_values(&["in_use"])
            .set(i64::from(connections.saturating_sub(idle)));
        self.pool_connections
            .with_label_values(&["idle"])
            .set(i64::from(idle));
        self.pool_max.set(i64::from(max));
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        String::from_utf8(out).map_err(|e| prometheus::Error::Msg(e.to_string()))
    }
}

/// The content type of [`Metrics::render`].
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

//! The time of a failed login through the real router: an unknown user
//! against a wrong password of an existing account. Both verify one argon2
//! hash (the unknown user a dummy one), so the two should take the same time;
//! a gap would tell an attacker which accounts exist. (The test
//! `login::same_answer_for_a_wrong_user_and_a_wrong_password` counts the
//! verifications; the times belong here.)
//!
//! `cargo bench -p server --bench login`

use std::hint::black_box;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use criterion::{Criterion, criterion_group, criterion_main};
use registry::{OpenOptions, Registry, Role, Settings};
use tower::ServiceExt;

const PASSWORD: &str = "long enough password 1";

fn login_request(username: &str, password: &str) -> Request<Body> {
    let body = serde_json::json!({"username": username, "password": password}).to_string();
    Request::post("/api/v1/login")
        .header("content-type", "application/json")
        .body(Body::from(body))
        .expect("a request")
}

fn failed_logins(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("a runtime");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let state = rt.block_on(async {
        let (registry, _) = Registry::open(OpenOptions {
            database_url: Some(format!(
                "sqlite://{}",
                dir.path().join("registry.db").display()
            )),
            key_file: None,
            data_dir: dir.path().to_path_buf(),
            actor: "bench".into(),
            settings: Settings::default(),
        })
        .await
        .expect("a registry");
        let hash = server::auth::hash_password(PASSWORD).expect("a hash");
        registry
            .create_user("bench", "worker1", Role::Caseworker, &hash, None)
            .await
            .expect("an account");
        server::AppState::new(Arc::new(registry), server::Config::default()).await
    });
    let app = server::app(state.clone());
    let mut group = c.benchmark_group("failed_login");
    // One login is tens of milliseconds of argon2.
    group.sample_size(20);
    for (name, username, password) in [
        ("unknown_user", "nobody", PASSWORD),
        ("wrong_password", "worker1", "not the password"),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| {
                let res = rt
                    .block_on(app.clone().oneshot(login_request(username, password)))
                    .expect("an answer");
                assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
                // Forget the failure, or the rate limit answers instead of argon2.
                state.limiter.clear(username);
                state.limiter.clear_address("unknown");
                black_box(res)
            })
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = failed_logins
}
criterion_main!(benches);

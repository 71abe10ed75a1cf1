//! Copied into the generated `pets` crate as `examples/smoke.rs` by
//! `tests/generated_crate.rs`: one-line client setup, then a GET with path and
//! query parameters and two cookies, a POST with a JSON body and a documented error, against
//! the loopback server whose URL is the first argument.

use pets::runtime::{BearerToken, Error};

fn main() {
    let base_url = std::env::args().nth(1).expect("usage: smoke BASE_URL");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    rt.block_on(async {
        let client = pets::Client::new(base_url, BearerToken::new("tok-smoke")).expect("client");
        let pet = client.pets().get_pet(42)
            .verbose(true)
            .session("a b;c")
            .theme(pets::models::Theme::Dark)
            .await.expect("get_pet");
        println!("get_pet: {} {} {:?}", pet.body.id, pet.body.name, pet.body.tag);
        let made = client.pets().create_pet("Tom").tag("cat").await.expect("create_pet");
        println!("create_pet: {} {} {}", made.status, made.body.id, made.body.name);
        match client.pets().get_pet(0).await {
            Err(Error::Api(e)) => match &e.kind {
                pets::pets::GetPetError::NotFound(p) => {
                    println!("get_pet(0): {} NotFound {}", e.status, p.message)
                }
                other => panic!("unexpected kind {other:?}"),
            },
            other => panic!("expected a 404, got {other:?}"),
        }
    });
}

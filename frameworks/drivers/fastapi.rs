//! Driver of `tests/fastapi.rs`: calls every operation of the FastAPI app
//! (`fastapi_app/app.py`) through the generated `fastapi_client` crate and
//! asserts the values. Prints `called <operationId>` after each operation's
//! checks and `done` at the end; any failed assertion exits non-zero.

use std::collections::BTreeMap;
use std::fmt::Debug;

use fastapi_client::items::{
    CreateItemItemsPostError, DeleteItemItemsItemIdDeleteError, GetItemItemsItemIdGetError,
    ListItemsItemsGetError,
};
use fastapi_client::models::{
    Cat, CatPetType, Color, Conflict, Dimensions, Dog, DogPetType, EchoParamsMode, Event, ItemEvent,
    GetPetPetsPetIdGetResponse, HttpValidationError, Item, ItemInOwnerPet, ItemOwnerPet, Kind,
    NotFound, ParamsEchoNameGetMode, Pet, ReportPetPetsReportPostRequestBody, Unit,
    ValidationError,
};
use fastapi_client::runtime::multipart::{FilePart, Form};
use fastapi_client::runtime::{self, ApiKey, BearerToken, Credentials, IntegerOrString, NoAuth};

/// The status and the documented error variant of a failed call.
fn failure<T: Debug, E: Debug>(result: runtime::Result<T, E>) -> (u16, E) {
    match result {
        Ok(ok) => panic!("expected an error, got {ok:?}"),
        Err(runtime::Error::Api(api)) => (api.status.as_u16(), api.kind),
        Err(e) => panic!("not an API error: {e:?}"),
    }
}

fn s(v: &str) -> String {
    v.to_owned()
}

fn text(v: &str) -> IntegerOrString {
    IntegerOrString::Text(v.to_owned())
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let base = std::env::args().nth(1).expect("base URL argument");
    // Credentials for the two operations that need them (HTTPBearer,
    // APIKeyHeader); the others send none.
    let credentials = Credentials::new()
        .with(BearerToken::new("tok-1"))
        .with(ApiKey::header("X-API-Key", "key-1"));
    let client = fastapi_client::Client::new(base.clone(), credentials).expect("client");
    let anonymous = fastapi_client::Client::new(base, NoAuth).expect("anonymous client");
    let items = client.items();

    // create_item: 201 with the defaults pydantic fills in; Optional fields None.
    let lamp = items
        .create_item_items_post("lamp", Color::Red)
        .await
        .expect("create lamp");
    assert_eq!(lamp.status.as_u16(), 201);
    let lamp = lamp.body;
    assert_eq!(lamp.id, 1);
    assert_eq!(lamp.name, "lamp");
    assert_eq!(lamp.color, Color::Red);
    assert_eq!(lamp.description, None);
    assert_eq!(lamp.price, None);
    assert_eq!(lamp.priority, Some(2));
    assert_eq!(lamp.quantity, Some(1));
    assert_eq!(lamp.stock, Some(0));
    assert_eq!(lamp.tags, Some(vec![]));
    assert_eq!(lamp.attributes, Some(BTreeMap::new()));
    assert_eq!(
        lamp.dimensions,
        Some(Dimensions {
            width: Some(1),
            height: Some(2),
            unit: Some(Unit::Cm),
        })
    );
    assert_eq!(lamp.owner_pet, None);

    // Every optional field: nested model (one default left to the server),
    // list, dict, and the discriminated union inside an Optional.
    let desk = items
        .create_item_items_post("desk", Color::Blue)
        .description("oak")
        .price(99.5)
        .priority(3)
        .quantity(7)
        .stock(-5)
        .tags(vec![s("a"), s("b")])
        .attributes(BTreeMap::from([(s("legs"), 4), (s("drawers"), 0)]))
        .dimensions(Dimensions {
            width: Some(120),
            height: None,
            unit: Some(Unit::In),
        })
        .owner_pet(ItemInOwnerPet::Dog(Dog {
            pet_type: DogPetType::Dog,
            name: s("rex"),
            good_boy: None,
            weight_kg: Some(12.5),
        }))
        .await
        .expect("create desk")
        .body;
    assert_eq!(desk.id, 2);
    assert_eq!(desk.description.as_deref(), Some("oak"));
    assert_eq!(desk.price, Some(99.5));
    assert_eq!(desk.priority, Some(3));
    assert_eq!(desk.quantity, Some(7));
    assert_eq!(desk.stock, Some(-5));
    assert_eq!(desk.tags, Some(vec![s("a"), s("b")]));
    assert_eq!(
        desk.attributes,
        Some(BTreeMap::from([(s("drawers"), 0), (s("legs"), 4)]))
    );
    assert_eq!(
        desk.dimensions,
        Some(Dimensions {
            width: Some(120),
            height: Some(2),
            unit: Some(Unit::In),
        })
    );
    assert_eq!(
        desk.owner_pet,
        Some(ItemOwnerPet::Dog(Dog {
            pet_type: DogPetType::Dog,
            name: s("rex"),
            good_boy: Some(true),
            weight_kg: Some(12.5),
        }))
    );

    // 409, documented with `responses=`, decoded.
    let (status, kind) = failure(items.create_item_items_post("lamp", Color::Green).await);
    assert_eq!(status, 409);
    assert_eq!(
        kind,
        CreateItemItemsPostError::Conflict(Conflict {
            detail: s("lamp exists"),
            existing_id: 1,
        })
    );
    // `Field(gt=0)` (exclusiveMinimum) is the server's to enforce: its 422
    // is the typed HTTPValidationError.
    let (status, kind) = failure(
        items
            .create_item_items_post("chair", Color::Green)
            .price(-1.0)
            .await,
    );
    assert_eq!(status, 422);
    let CreateItemItemsPostError::UnprocessableEntity(HttpValidationError { detail }) = kind else {
        panic!("not the documented 422: {kind:?}");
    };
    let detail = detail.expect("detail");
    assert_eq!(detail.len(), 1, "{detail:?}");
    assert_eq!(detail[0].loc, [text("body"), text("price")]);
    assert_eq!(detail[0].r#type, "greater_than");
    assert_eq!(detail[0].input, Some(serde_json::json!(-1.0)));
    assert_eq!(
        detail[0].ctx,
        Some(BTreeMap::from([(s("gt"), serde_json::json!(0.0))]))
    );
    println!("called create_item_items_post");

    // get_item: 200, and 404 decoded.
    let got = items.get_item_items_item_id_get(2).await.expect("get desk").body;
    assert_eq!(got, desk);
    let (status, kind) = failure(items.get_item_items_item_id_get(42).await);
    assert_eq!(status, 404);
    assert_eq!(
        kind,
        GetItemItemsItemIdGetError::NotFound(NotFound {
            detail: s("no such item"),
            missing_id: 42,
        })
    );
    println!("called get_item_items__item_id__get");

    // list_items: Optional query parameters (anyOf + null), each alone.
    let all = items.list_items_items_get().await.expect("list").body;
    assert_eq!(all, [lamp.clone(), desk.clone()]);
    let ids = |v: Vec<Item>| v.iter().map(|i| i.id).collect::<Vec<_>>();
    let blue = items.list_items_items_get().color(Color::Blue).await;
    assert_eq!(ids(blue.expect("list blue").body), [2]);
    let tagged = items.list_items_items_get().tag("a").await;
    assert_eq!(ids(tagged.expect("list tagged").body), [2]);
    let first = items.list_items_items_get().limit(1).await;
    assert_eq!(ids(first.expect("list limit").body), [1]);

    // FastAPI's own 422, decoded as the typed HTTPValidationError.
    let (status, kind) = failure(items.list_items_items_get().limit(0).await);
    assert_eq!(status, 422);
    let ListItemsItemsGetError::UnprocessableEntity(HttpValidationError { detail }) = kind else {
        panic!("not the documented 422: {kind:?}");
    };
    let detail = detail.expect("detail");
    assert_eq!(detail.len(), 1, "{detail:?}");
    let ValidationError {
        loc,
        msg,
        r#type,
        input,
        ctx,
        ..
    } = &detail[0];
    assert_eq!(loc, &[text("query"), text("limit")]);
    assert_eq!(r#type, "greater_than_equal");
    assert_eq!(msg, "Input should be greater than or equal to 1");
    assert_eq!(input, &Some(serde_json::json!("0")));
    assert_eq!(
        ctx,
        &Some(BTreeMap::from([(s("ge"), serde_json::json!(1))]))
    );
    println!("called list_items_items_get");

    // find_item: response_model=Optional[Item]. Compared as JSON, so that
    // this compiles whether the generated return type is `Item` or
    // `Option<Item>` (tests/fastapi.rs asserts the latter separately).
    let found = items
        .find_item_items_by_name_name_get("desk")
        .await
        .expect("find desk")
        .body;
    assert_eq!(
        serde_json::to_value(&found).expect("json"),
        serde_json::to_value(&desk).expect("json")
    );
    println!("called find_item_items_by_name__name__get");

    // item_label: an image/png answer is the bytes.
    let label = items
        .item_label_items_item_id_label_get(2)
        .await
        .expect("label");
    assert_eq!(
        label.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("image/png")
    );
    assert_eq!(label.body, b"\x89PNG\r\n\x1a\n2");
    println!("called item_label_items__item_id__label_get");

    // reindex_item: 202 with a dict[str, int] body.
    let queued = items
        .reindex_item_items_item_id_reindex_post(2)
        .await
        .expect("reindex");
    assert_eq!(queued.status.as_u16(), 202);
    assert_eq!(queued.body, BTreeMap::from([(s("queued"), 2)]));
    println!("called reindex_item_items__item_id__reindex_post");

    // The item-created webhook (the document's `webhooks`): its payload
    // type decodes and re-encodes a delivery as a receiver would.
    let delivery = serde_json::json!({
        "event": "item.created",
        "item": serde_json::to_value(&desk).expect("json"),
        "sequence": 1,
    });
    let event: ItemEvent = serde_json::from_value(delivery.clone()).expect("payload");
    assert_eq!(event.event, Event::ItemCreated);
    assert_eq!(event.item, desk);
    assert_eq!(event.sequence, 1);
    assert_eq!(serde_json::to_value(&event).expect("json"), delivery);

    // item_stats: dict[str, list[int]].
    let stats = items.item_stats_items_stats_get().await.expect("stats").body;
    assert_eq!(
        stats,
        BTreeMap::from([(s("blue"), vec![2]), (s("red"), vec![1])])
    );
    println!("called item_stats_items_stats_get");

    // echo_params: path, query, header and cookie parameters; the optional
    // ones absent (the Literal's default applies), then all present.
    // (Starlette routes on the decoded path, so the name has no `/`.)
    let echo = client.echo();
    let bare = echo
        .params_echo_name_get("x y?&z=1", 3, "tag-1", "s-1")
        .await
        .expect("echo")
        .body;
    assert_eq!(bare.name, "x y?&z=1");
    assert_eq!(bare.count, 3);
    assert_eq!(bare.ratio, None);
    assert_eq!(bare.mode, EchoParamsMode::Fast);
    assert_eq!(bare.color, None);
    assert_eq!(bare.request_tag, "tag-1");
    assert_eq!(bare.trace, None);
    assert_eq!(bare.session, "s-1");
    assert_eq!(bare.theme, None);
    let full = echo
        .params_echo_name_get("ü", -8, "tag-2", "s-2")
        .ratio(1.5)
        .mode(ParamsEchoNameGetMode::Slow)
        .color(Color::Green)
        .x_trace("trace-7")
        .theme("dark")
        .await
        .expect("echo all")
        .body;
    assert_eq!(full.name, "ü");
    assert_eq!(full.count, -8);
    assert_eq!(full.ratio, Some(1.5));
    assert_eq!(full.mode, EchoParamsMode::Slow);
    assert_eq!(full.color, Some(Color::Green));
    assert_eq!(full.request_tag, "tag-2");
    assert_eq!(full.trace.as_deref(), Some("trace-7"));
    assert_eq!(full.session, "s-2");
    assert_eq!(full.theme.as_deref(), Some("dark"));
    println!("called echo_params_echo__name__get");

    // FastAPI's security dependencies: the bearer token and the API key
    // arrive where the document says; a client without them refuses to send.
    let auth = client.auth();
    let who = auth.whoami_bearer_auth_bearer_get().await.expect("bearer").body;
    assert_eq!((who.scheme.as_str(), who.credential.as_str()), ("Bearer", "tok-1"));
    match anonymous.auth().whoami_bearer_auth_bearer_get().await {
        Err(runtime::Error::Request(e)) => assert!(
            e.to_string().contains("security requirement (HTTPBearer)"),
            "{e}"
        ),
        other => panic!("sent without credentials: {other:?}"),
    }
    println!("called whoami_bearer_auth_bearer_get");
    let who = auth.whoami_key_auth_key_get().await.expect("api key").body;
    assert_eq!((who.scheme.as_str(), who.credential.as_str()), ("api-key", "key-1"));
    println!("called whoami_key_auth_key_get");

    // login: a form body (Form()), optional fields absent then present.
    let forms = client.forms();
    let login = forms
        .login_forms_login_post("ann", "hunter22")
        .await
        .expect("login")
        .body;
    assert_eq!(login.username, "ann");
    assert_eq!(login.password_length, 8);
    assert!(!login.remember);
    assert!(login.scopes.is_empty());
    let login = forms
        .login_forms_login_post("bob & co", "p=1&q")
        .remember(true)
        .scope("read write")
        .await
        .expect("login with options")
        .body;
    assert_eq!(login.username, "bob & co");
    assert_eq!(login.password_length, 5);
    assert!(login.remember);
    assert_eq!(login.scopes, [s("read"), s("write")]);
    println!("called login_forms_login_post");

    // upload: UploadFile and a Form() field in one multipart body.
    let bytes = vec![0u8, 1, 2, 250, 255];
    let form = Form::new()
        .file(
            "file",
            FilePart::new(bytes.clone())
                .file_name("blob.bin")
                .content_type("application/x-test"),
        )
        .text("note", "hello");
    let upload = forms
        .upload_forms_upload_post(form)
        .await
        .expect("upload")
        .body;
    assert_eq!(upload.filename.as_deref(), Some("blob.bin"));
    assert_eq!(upload.content_type.as_deref(), Some("application/x-test"));
    assert_eq!(upload.size, 5);
    assert_eq!(upload.byte_sum, 508);
    assert_eq!(upload.note, "hello");
    println!("called upload_forms_upload_post");

    // get_pet: the discriminated union as a response, each variant.
    let pets = client.pets();
    let cat = pets.get_pet_pets_pet_id_get(3).await.expect("pet 3").body;
    assert_eq!(
        cat,
        GetPetPetsPetIdGetResponse::Cat(Cat {
            pet_type: CatPetType::Cat,
            name: s("cat-3"),
            lives: Some(3),
        })
    );
    let dog = pets.get_pet_pets_pet_id_get(4).await.expect("pet 4").body;
    assert_eq!(
        dog,
        GetPetPetsPetIdGetResponse::Dog(Dog {
            pet_type: DogPetType::Dog,
            name: s("dog-4"),
            good_boy: Some(true),
            weight_kg: Some(6.0),
        })
    );
    let GetPetPetsPetIdGetResponse::Dog(zero) = pets.get_pet_pets_pet_id_get(0).await.expect("pet 0").body
    else {
        panic!("pet 0 is a dog");
    };
    assert_eq!(zero.weight_kg, None);
    println!("called get_pet_pets__pet_id__get");

    // report_pet: the union as a request body, each variant, echoed back.
    let report = pets
        .report_pet_pets_report_post(ReportPetPetsReportPostRequestBody::Cat(Cat {
            pet_type: CatPetType::Cat,
            name: s("tom"),
            lives: None,
        }))
        .await
        .expect("report cat")
        .body;
    assert_eq!(report.kind, Kind::Cat);
    assert_eq!(report.summary, "tom has 9 lives");
    assert_eq!(
        report.pet,
        Pet::Cat(Cat {
            pet_type: CatPetType::Cat,
            name: s("tom"),
            lives: Some(9),
        })
    );
    let report = pets
        .report_pet_pets_report_post(ReportPetPetsReportPostRequestBody::Dog(Dog {
            pet_type: DogPetType::Dog,
            name: s("fido"),
            good_boy: Some(false),
            weight_kg: Some(3.25),
        }))
        .await
        .expect("report dog")
        .body;
    assert_eq!(report.kind, Kind::Dog);
    assert_eq!(report.summary, "fido is a dog of 3.25 kg");
    println!("called report_pet_pets_report_post");

    // delete_item: 204 without a body, then the documented 404.
    let deleted = items
        .delete_item_items_item_id_delete(1)
        .await
        .expect("delete lamp");
    assert_eq!(deleted.status.as_u16(), 204);
    let () = deleted.body;
    let (status, kind) = failure(items.delete_item_items_item_id_delete(1).await);
    assert_eq!(status, 404);
    assert_eq!(
        kind,
        DeleteItemItemsItemIdDeleteError::NotFound(NotFound {
            detail: s("no such item"),
            missing_id: 1,
        })
    );
    let left = items.list_items_items_get().await.expect("list after delete");
    assert_eq!(ids(left.body), [2]);
    println!("called delete_item_items__item_id__delete");

    println!("done");
}

"""A small FastAPI service whose own /openapi.json (OpenAPI 3.1, written by
FastAPI at run time) is the input of `frameworks/tests/fastapi.rs`.

Every operation echoes or computes what it was sent, so the Rust driver can
assert exact values: Optional fields and parameters (anyOf + null), Literal
(enum and const), an Enum, a discriminated union, nested models with
defaults, list[...] and dict[str, ...], path/query/header/cookie parameters,
a form body, a file upload, and 201/204/404/409/422 answers.
"""

from enum import Enum, IntEnum
from typing import Annotated, Literal, Optional, Union

from fastapi import Cookie, Depends, FastAPI, File, Form, Header, Query, Response, UploadFile
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

app = FastAPI(title="Frameworks proof (FastAPI)", version="1.0.0")


class Color(str, Enum):
    red = "red"
    green = "green"
    blue = "blue"


class Priority(IntEnum):
    low = 1
    normal = 2
    high = 3


class Dimensions(BaseModel):
    width: int = 1
    height: int = 2
    unit: Literal["cm", "in"] = "cm"


class Cat(BaseModel):
    pet_type: Literal["cat"]
    name: str
    lives: int = 9


class Dog(BaseModel):
    pet_type: Literal["dog"]
    name: str
    good_boy: bool = True
    weight_kg: Optional[float] = None


Pet = Annotated[Union[Cat, Dog], Field(discriminator="pet_type")]


class ItemIn(BaseModel):
    name: str
    color: Color
    description: Optional[str] = None
    price: Optional[Annotated[float, Field(gt=0, examples=[9.99])]] = None
    priority: Priority = Priority.normal
    # FastAPI writes these integer bounds as 1.0, -5.0 and 1000.0.
    quantity: int = Field(default=1, ge=1)
    stock: Annotated[int, Field(ge=-5, le=1000)] = 0
    tags: list[str] = []
    attributes: dict[str, int] = {}
    dimensions: Dimensions = Dimensions()
    owner_pet: Optional[Pet] = None


class Item(ItemIn):
    id: int


class NotFound(BaseModel):
    detail: str
    missing_id: int


class Conflict(BaseModel):
    detail: str
    existing_id: int


class EchoParams(BaseModel):
    name: str
    count: int
    ratio: Optional[float]
    mode: Literal["fast", "slow"]
    color: Optional[Color]
    request_tag: str
    trace: Optional[str]
    session: str
    theme: Optional[str]


class LoginResult(BaseModel):
    username: str
    password_length: int
    remember: bool
    scopes: list[str]


class Upload(BaseModel):
    filename: Optional[str]
    content_type: Optional[str]
    size: int
    byte_sum: int
    note: str


class PetReport(BaseModel):
    kind: Literal["cat", "dog"]
    summary: str
    pet: Pet


class ItemEvent(BaseModel):
    """What the `item-created` webhook would deliver (documented, never sent)."""

    event: Literal["item.created"]
    item: Item
    sequence: int = Field(ge=1)


class Whoami(BaseModel):
    scheme: str
    credential: str


items: dict[int, Item] = {}
bearer = HTTPBearer()
api_key = APIKeyHeader(name="X-API-Key")


@app.webhooks.post("item-created")
def item_created(body: ItemEvent):
    """Sent to subscribers when an item is created."""


@app.post(
    "/items",
    tags=["items"],
    status_code=201,
    response_model=Item,
    responses={409: {"model": Conflict, "description": "An item with this name exists"}},
)
def create_item(item: ItemIn):
    for existing in items.values():
        if existing.name == item.name:
            return JSONResponse(
                status_code=409,
                content={"detail": f"{item.name} exists", "existing_id": existing.id},
            )
    new = Item(id=len(items) + 1, **item.model_dump())
    items[new.id] = new
    return new


@app.get(
    "/items/{item_id}",
    tags=["items"],
    response_model=Item,
    responses={404: {"model": NotFound, "description": "No such item"}},
)
def get_item(item_id: int):
    if item_id not in items:
        return JSONResponse(status_code=404, content={"detail": "no such item", "missing_id": item_id})
    return items[item_id]


@app.get("/items", tags=["items"], response_model=list[Item])
def list_items(
    color: Optional[Color] = None,
    tag: Optional[str] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
):
    found = [
        i
        for i in sorted(items.values(), key=lambda i: i.id)
        if (color is None or i.color == color) and (tag is None or tag in i.tags)
    ]
    return found[:limit]


@app.delete(
    "/items/{item_id}",
    tags=["items"],
    status_code=204,
    response_class=Response,
    responses={404: {"model": NotFound, "description": "No such item"}},
)
def delete_item(item_id: int):
    if items.pop(item_id, None) is None:
        return JSONResponse(status_code=404, content={"detail": "no such item", "missing_id": item_id})
    return Response(status_code=204)


@app.get("/items/by-name/{name}", tags=["items"], response_model=Optional[Item])
def find_item(name: str):
    """The item of that name, or null."""
    return next((i for i in items.values() if i.name == name), None)


@app.get(
    "/items/{item_id}/label",
    tags=["items"],
    response_class=Response,
    responses={200: {"content": {"image/png": {}}, "description": "A PNG label"}},
)
def item_label(item_id: int):
    """Bytes: a PNG signature followed by the item id as text."""
    return Response(b"\x89PNG\r\n\x1a\n" + str(item_id).encode(), media_type="image/png")


@app.post("/items/{item_id}/reindex", tags=["items"], status_code=202)
def reindex_item(item_id: int) -> dict[str, int]:
    return {"queued": item_id}


@app.get("/items-stats", tags=["items"], response_model=dict[str, list[int]])
def item_stats():
    """Item ids per color (only colors in use)."""
    out: dict[str, list[int]] = {}
    for i in sorted(items.values(), key=lambda i: i.id):
        out.setdefault(i.color.value, []).append(i.id)
    return out


@app.get("/echo/{name}", tags=["echo"], response_model=EchoParams)
def echo_params(
    name: str,
    count: int,
    session: Annotated[str, Cookie()],
    x_request_tag: Annotated[str, Header()],
    ratio: Optional[float] = None,
    mode: Literal["fast", "slow"] = "fast",
    color: Optional[Color] = None,
    x_trace: Annotated[Optional[str], Header()] = None,
    theme: Annotated[Optional[str], Cookie()] = None,
):
    return EchoParams(
        name=name,
        count=count,
        ratio=ratio,
        mode=mode,
        color=color,
        request_tag=x_request_tag,
        trace=x_trace,
        session=session,
        theme=theme,
    )


@app.get("/auth/bearer", tags=["auth"], response_model=Whoami)
def whoami_bearer(credentials: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]):
    return Whoami(scheme=credentials.scheme, credential=credentials.credentials)


@app.get("/auth/key", tags=["auth"], response_model=Whoami)
def whoami_key(key: Annotated[str, Depends(api_key)]):
    return Whoami(scheme="api-key", credential=key)


@app.post("/forms/login", tags=["forms"], response_model=LoginResult)
def login(
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    remember: Annotated[bool, Form()] = False,
    scope: Annotated[Optional[str], Form()] = None,
):
    return LoginResult(
        username=username,
        password_length=len(password),
        remember=remember,
        scopes=scope.split() if scope else [],
    )


@app.post("/forms/upload", tags=["forms"], response_model=Upload)
async def upload(file: Annotated[UploadFile, File()], note: Annotated[str, Form()]):
    data = await file.read()
    return Upload(
        filename=file.filename,
        content_type=file.content_type,
        size=len(data),
        byte_sum=sum(data),
        note=note,
    )


@app.post("/pets/report", tags=["pets"], response_model=PetReport)
def report_pet(pet: Pet):
    if isinstance(pet, Cat):
        summary = f"{pet.name} has {pet.lives} lives"
    else:
        weight = "unknown" if pet.weight_kg is None else f"{pet.weight_kg:g} kg"
        summary = f"{pet.name} is {'a good' if pet.good_boy else 'a'} dog of {weight}"
    return PetReport(kind=pet.pet_type, summary=summary, pet=pet)


@app.get("/pets/{pet_id}", tags=["pets"], response_model=Pet)
def get_pet(pet_id: int):
    if pet_id % 2 == 1:
        return Cat(pet_type="cat", name=f"cat-{pet_id}", lives=pet_id)
    return Dog(pet_type="dog", name=f"dog-{pet_id}", weight_kg=None if pet_id == 0 else pet_id * 1.5)

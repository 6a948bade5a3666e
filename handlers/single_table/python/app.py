"""Things-to-do (seed 003): the single-table design, one router function behind an HTTP API.

One table, keys `id` (HASH) and `sk` (RANGE), overloaded per entity; the GSI `gsi1` has `sk` as
its partition key and `gsi1sk` as its sort key:

    entity      id      sk          gsi1sk
    user        usrId   USR         -
    thing todo  ttdId   TTD         STATUS#orgId
    child       chlId   CHL#usrId   STATUS
    favorite    ttdId   FAV#usrId   STATUS
    booking     bkgId   BKG         STATUS#usrId#date#ttdId

Every read is a GetItem, a Query or a BatchGetItem on those keys; nothing scans. The route key of
the HTTP API's payload 2.0 event ("GET /users/{usrId}") picks the access pattern.
"""

import base64
import decimal
import json
import os

import boto3
from boto3.dynamodb.conditions import Key

TABLE_NAME = os.environ["TABLE_NAME"]
dynamodb = boto3.resource("dynamodb")
table = dynamodb.Table(TABLE_NAME)

THING_STATUSES = ("DRAFT", "PENDING", "PUBLISHED", "REJECTED")
# An organiser's own lists; PENDING is the moderators' list of every organiser's submissions.
ORGANISER_LISTS = ("DRAFT", "PUBLISHED", "REJECTED")
# A price is a number of euros; anything larger is a typo rather than a thing to do for kids.
MAX_PRICE = 10000
ACTIVE_STATUSES = ("ACTIVE", "INACTIVE")
BOOKING_STATUSES = ("ACTIVE", "CANCELLED")
# BatchGetItem takes at most 100 keys (DynamoDB developer guide, "BatchGetItem").
MAX_BATCH_KEYS = 100
# UnprocessedKeys are retried this many times before the request fails, so that a throttled
# table cannot keep the function looping until its timeout.
MAX_BATCH_ROUNDS = 5


class BadRequest(Exception):
    pass


def _plain(value):
    # The resource API reads numbers as Decimal, which json cannot write.
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def respond(status, body):
    return {"statusCode": status, "headers": {"content-type": "application/json"},
            "body": json.dumps(body, default=_plain, sort_keys=True)}


def valid_id(value, name):
    # '#' separates the parts of an overloaded key: an id holding one could reach another
    # entity's items.
    if not isinstance(value, str) or not value or "#" in value:
        raise BadRequest(f"'{name}' must be a non-empty string without '#'")
    return value


def path(event, name):
    return valid_id((event.get("pathParameters") or {}).get(name), name)


def query_param(event, name):
    return (event.get("queryStringParameters") or {}).get(name)


def body(event):
    text = event.get("body") or ""
    if event.get("isBase64Encoded"):
        text = base64.b64decode(text).decode("utf-8", "replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        raise BadRequest("the body must be a JSON object")
    if not isinstance(parsed, dict):
        raise BadRequest("the body must be a JSON object")
    return parsed


def required(doc, name):
    return valid_id(doc.get(name), name)


def one_of(value, allowed, name):
    if value not in allowed:
        raise BadRequest(f"'{name}' must be one of {', '.join(allowed)}")
    return value


def id_list(event):
    ids = [valid_id(i, "ids") for i in (query_param(event, "ids") or "").split(",") if i]
    if not ids:
        raise BadRequest("'ids' must name at least one id (ids=a,b,c)")
    if len(ids) > MAX_BATCH_KEYS:
        raise BadRequest(f"'ids' names at most {MAX_BATCH_KEYS} ids")
    # BatchGetItem refuses a key named twice.
    return list(dict.fromkeys(ids))


# ---- reads: one function per row of the seed's access-pattern table ------------------------------

def get_item(id_, sk):
    item = table.get_item(Key={"id": id_, "sk": sk}).get("Item")
    if item is None:
        return respond(404, {"message": "not found"})
    return respond(200, {"item": item})


def query_gsi1(sk, condition):
    items, kwargs = [], {"IndexName": "gsi1", "KeyConditionExpression": Key("sk").eq(sk) & condition}
    while True:
        page = table.query(**kwargs)
        items.extend(page["Items"])
        if "LastEvaluatedKey" not in page:
            return respond(200, {"items": items})
        kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def batch_get(ids, sk):
    """GetItem for many ids in one round trip (the seed's "avoid N+1 select problem"), answered in
    the order of `ids` (BatchGetItem's own order is unspecified), missing ones left out."""
    pending = {TABLE_NAME: {"Keys": [{"id": i, "sk": sk} for i in ids]}}
    found = {}
    for _ in range(MAX_BATCH_ROUNDS):
        answer = dynamodb.batch_get_item(RequestItems=pending)
        for item in answer["Responses"].get(TABLE_NAME, []):
            found[item["id"]] = item
        pending = answer.get("UnprocessedKeys") or {}
        if not pending:
            return respond(200, {"items": [found[i] for i in ids if i in found]})
    return respond(503, {"message": "the table is busy; try again"})


def get_user(event):  # get user profile
    return get_item(path(event, "usrId"), "USR")


def get_thing(event):  # get thing todo by id
    return get_item(path(event, "ttdId"), "TTD")


def list_organiser_things(event):  # get all my drafts / published / rejected
    status = one_of(query_param(event, "status"), ORGANISER_LISTS, "status")
    return query_gsi1("TTD", Key("gsi1sk").eq(f"{status}#{path(event, 'orgId')}"))


def list_things(event):  # get pending things todo; get all things todo by ids
    if query_param(event, "ids") is not None:
        return batch_get(id_list(event), "TTD")
    one_of(query_param(event, "status"), ("PENDING",), "status")
    return query_gsi1("TTD", Key("gsi1sk").begins_with("PENDING#"))


def get_child(event):  # get child by id
    return get_item(path(event, "chlId"), f"CHL#{path(event, 'usrId')}")


def list_children(event):  # get all my children
    return query_gsi1(f"CHL#{path(event, 'usrId')}", Key("gsi1sk").eq("ACTIVE"))


def get_favorite(event):  # get my favorite by id
    return get_item(path(event, "ttdId"), f"FAV#{path(event, 'usrId')}")


def list_favorites(event):  # get all my favorites
    return query_gsi1(f"FAV#{path(event, 'usrId')}", Key("gsi1sk").eq("ACTIVE"))


def list_organisers(event):  # get all organisers by ids
    return batch_get(id_list(event), "USR")


def get_booking(event):  # get booking by id
    return get_item(path(event, "bkgId"), "BKG")


def list_bookings(event):  # get all my bookings (user)
    # The trailing '#' keeps usr-1's prefix from matching usr-10's bookings.
    return query_gsi1("BKG", Key("gsi1sk").begins_with(f"ACTIVE#{path(event, 'usrId')}#"))


# ---- writes: the entities, each in its layout -----------------------------------------------------

def put(item):
    table.put_item(Item=item)
    return respond(200, {"item": item})


def put_user(event):
    doc = body(event)
    return put({"id": path(event, "usrId"), "sk": "USR", "name": required(doc, "name"),
                "email": required(doc, "email")})


def put_thing(event):
    doc = body(event)
    status = one_of(doc.get("status", "DRAFT"), THING_STATUSES, "status")
    item = {"id": path(event, "ttdId"), "sk": "TTD", "gsi1sk": f"{status}#{required(doc, 'orgId')}",
            "title": required(doc, "title")}
    if "price" in doc:
        price = doc["price"]
        if isinstance(price, bool) or not isinstance(price, (int, float)) or not 0 <= price <= MAX_PRICE:
            raise BadRequest(f"'price' must be a number from 0 to {MAX_PRICE}")
        # boto3 writes numbers as Decimal only; str() keeps 12.5 from becoming 12.4999...
        item["price"] = decimal.Decimal(str(price))
    return put(item)


def put_child(event):
    doc = body(event)
    status = one_of(doc.get("status", "ACTIVE"), ACTIVE_STATUSES, "status")
    return put({"id": path(event, "chlId"), "sk": f"CHL#{path(event, 'usrId')}", "gsi1sk": status,
                "name": required(doc, "name")})


def put_favorite(event):
    doc = body(event)
    status = one_of(doc.get("status", "ACTIVE"), ACTIVE_STATUSES, "status")
    return put({"id": path(event, "ttdId"), "sk": f"FAV#{path(event, 'usrId')}", "gsi1sk": status})


def put_booking(event):
    doc = body(event)
    status = one_of(doc.get("status", "ACTIVE"), BOOKING_STATUSES, "status")
    usr, date, ttd = required(doc, "usrId"), required(doc, "date"), required(doc, "ttdId")
    return put({"id": path(event, "bkgId"), "sk": "BKG", "gsi1sk": f"{status}#{usr}#{date}#{ttd}"})


ROUTES = {
    "GET /users/{usrId}": get_user,
    "PUT /users/{usrId}": put_user,
    "GET /organisers": list_organisers,
    "GET /organisers/{orgId}/things": list_organiser_things,
    "GET /things": list_things,
    "GET /things/{ttdId}": get_thing,
    "PUT /things/{ttdId}": put_thing,
    "GET /users/{usrId}/children": list_children,
    "GET /users/{usrId}/children/{chlId}": get_child,
    "PUT /users/{usrId}/children/{chlId}": put_child,
    "GET /users/{usrId}/favorites": list_favorites,
    "GET /users/{usrId}/favorites/{ttdId}": get_favorite,
    "PUT /users/{usrId}/favorites/{ttdId}": put_favorite,
    "GET /bookings/{bkgId}": get_booking,
    "PUT /bookings/{bkgId}": put_booking,
    "GET /users/{usrId}/bookings": list_bookings,
}


def handler(event, context):
    route = ROUTES.get(event.get("routeKey"))
    if route is None:
        return respond(404, {"message": f"no route {event.get('routeKey')}"})
    try:
        return route(event)
    except BadRequest as e:
        return respond(400, {"message": str(e)})

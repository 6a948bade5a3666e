"""The things-to-do of seed 003 (the single-table design), brought up by `fogbank serve --template`
(fixtures/single_table/template.yaml): a Python router function with boto3
(handlers/single_table/python) behind an HTTP API, one table with overloaded keys (`id`, `sk`,
`gsi1sk`) and the GSI `gsi1`.

The seed data (fixtures/single_table/data.json) goes in through the API's own PUT routes, the
writes that create each entity; then every row of the seed's access-pattern table is a GET that
must answer exactly the expected items, and bad requests get 400 with a message.

Run: FOGBANK_BIN=/path/to/fogbank python3 -m unittest -v test_seed_single_table
"""

import json
import os
import re
import unittest
import urllib.error
import urllib.request

from fogbank_harness import FogbankServer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TEMPLATE = os.path.join(ROOT, "fixtures", "single_table", "template.yaml")
DATA = os.path.join(ROOT, "fixtures", "single_table", "data.json")
STACK = "single-table"
# Real time: the Python handler runs in a worker process (its cold start included). Each request
# is bounded by this.
REQUEST_TIMEOUT_SECONDS = 60


def outputs(server):
    """The template's outputs, from the lines the loader writes to stderr."""
    found = {}
    for line in server.stderr().splitlines():
        m = re.match(r"^fogbank: " + re.escape(STACK) + r": output (\w+) = (.*)$", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


def the_put(item):
    """The PUT route and body that write `item` (an entity of data.json in its layout)."""
    sk, gsi1sk = item["sk"], item.get("gsi1sk", "")
    if sk == "USR":
        return f"/users/{item['id']}", {"name": item["name"], "email": item["email"]}
    if sk == "TTD":
        status, org = gsi1sk.split("#")
        doc = {"orgId": org, "title": item["title"], "status": status}
        if "price" in item:
            doc["price"] = item["price"]
        return f"/things/{item['id']}", doc
    if sk.startswith("CHL#"):
        return f"/users/{sk[4:]}/children/{item['id']}", {"name": item["name"], "status": gsi1sk}
    if sk.startswith("FAV#"):
        return f"/users/{sk[4:]}/favorites/{item['id']}", {"status": gsi1sk}
    if sk == "BKG":
        status, usr, date, ttd = gsi1sk.split("#")
        return f"/bookings/{item['id']}", {"status": status, "usrId": usr, "date": date, "ttdId": ttd}
    raise AssertionError(f"data.json has an item of no known entity: {item}")


class SingleTableTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = FogbankServer(extra_args=["--template", TEMPLATE]).start()
        found = outputs(cls.server)
        cls.base = found.get("ApiUrl", "")
        cls.table = found.get("TableName", "")
        cls.try_it = found.get("TryIt", "")
        with open(DATA) as f:
            cls.data = json.load(f)
        cls.loaded = []
        for item in cls.data:
            route, doc = the_put(item)
            cls.loaded.append((route, cls.request("PUT", route, json.dumps(doc).encode()), item))

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    @classmethod
    def request(cls, method, route, data=None):
        """(status, parsed JSON body) of one request to the API."""
        req = urllib.request.Request(cls.base + route, data=data, method=method,
                                     headers={"content-type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT_SECONDS) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read() or b"null")

    def item(self, id_, sk):
        (found,) = [i for i in self.data if i["id"] == id_ and i["sk"] == sk]
        return found

    def items(self, *keys):
        return [self.item(id_, sk) for id_, sk in keys]

    def get(self, route, expected_status=200):
        status, body = self.request("GET", route)
        self.assertEqual(status, expected_status, f"GET {route}: {body}")
        return body

    def test_outputs_give_the_api_and_a_way_to_try_it(self):
        self.assertRegex(self.base, r"^http://127\.0\.0\.1:\d+/http/[a-z0-9]{10}$")
        self.assertIn(f"curl -s {self.base}/users/usr-ann", self.try_it)

    def test_every_entity_is_written_in_the_seed_layout(self):
        for route, (status, body), item in self.loaded:
            self.assertEqual((status, body), (200, {"item": item}), f"PUT {route}")
        # The table holds exactly data.json (read with boto3: the layout, not the API's answer).
        dynamodb = self.server.client()
        self.addCleanup(dynamodb.close)
        for item in self.data:
            stored = dynamodb.get_item(TableName=self.table, Key={"id": {"S": item["id"]}, "sk": {"S": item["sk"]}},
                                       ConsistentRead=True)["Item"]
            plain = {k: v["S"] if "S" in v else json.loads(v["N"]) for k, v in stored.items()}
            self.assertEqual(plain, item)

    # ---- the seed's access-pattern table, row by row --------------------------------------------

    def test_get_user_profile(self):
        self.assertEqual(self.get("/users/usr-cat"), {"item": self.item("usr-cat", "USR")})

    def test_get_thing_todo_by_id(self):
        self.assertEqual(self.get("/things/ttd-3"), {"item": self.item("ttd-3", "TTD")})

    def test_get_all_my_drafts(self):
        self.assertEqual(self.get("/organisers/usr-ann/things?status=DRAFT"),
                         {"items": self.items(("ttd-1", "TTD"))})

    def test_get_all_my_published(self):
        self.assertEqual(self.get("/organisers/usr-ann/things?status=PUBLISHED"),
                         {"items": self.items(("ttd-2", "TTD"), ("ttd-3", "TTD"))})

    def test_get_all_my_rejected(self):
        self.assertEqual(self.get("/organisers/usr-ann/things?status=REJECTED"),
                         {"items": self.items(("ttd-4", "TTD"))})

    def test_get_pending_things_todo(self):
        self.assertEqual(self.get("/things?status=PENDING"),
                         {"items": self.items(("ttd-5", "TTD"), ("ttd-6", "TTD"))})

    def test_get_child_by_id(self):
        self.assertEqual(self.get("/users/usr-cat/children/chl-3"), {"item": self.item("chl-3", "CHL#usr-cat")})
        # A child is found only under its own parent.
        self.assertEqual(self.get("/users/usr-dan/children/chl-3", 404), {"message": "not found"})

    def test_get_all_my_children(self):
        self.assertEqual(self.get("/users/usr-cat/children"),
                         {"items": self.items(("chl-1", "CHL#usr-cat"), ("chl-2", "CHL#usr-cat"))})

    def test_get_my_favorite_by_id(self):
        self.assertEqual(self.get("/users/usr-cat/favorites/ttd-7"), {"item": self.item("ttd-7", "FAV#usr-cat")})

    def test_get_all_my_favorites(self):
        self.assertEqual(self.get("/users/usr-cat/favorites"),
                         {"items": self.items(("ttd-2", "FAV#usr-cat"), ("ttd-7", "FAV#usr-cat"))})

    def test_get_all_things_todo_by_ids(self):
        # In the order asked for; an unknown id is left out.
        self.assertEqual(self.get("/things?ids=ttd-7,ttd-nope,ttd-1,ttd-5"),
                         {"items": self.items(("ttd-7", "TTD"), ("ttd-1", "TTD"), ("ttd-5", "TTD"))})

    def test_get_all_organisers_by_ids(self):
        self.assertEqual(self.get("/organisers?ids=usr-bob,usr-ann"),
                         {"items": self.items(("usr-bob", "USR"), ("usr-ann", "USR"))})

    def test_get_booking_by_id(self):
        self.assertEqual(self.get("/bookings/bkg-3"), {"item": self.item("bkg-3", "BKG")})

    def test_get_all_my_bookings(self):
        # Active only, by date; usr-ca's booking does not match usr-cat's prefix or the other way.
        self.assertEqual(self.get("/users/usr-cat/bookings"),
                         {"items": self.items(("bkg-2", "BKG"), ("bkg-1", "BKG"))})
        self.assertEqual(self.get("/users/usr-ca/bookings"), {"items": self.items(("bkg-5", "BKG"))})

    # ---- bad requests ---------------------------------------------------------------------------

    def test_a_missing_item_is_404(self):
        self.assertEqual(self.get("/bookings/bkg-nope", 404), {"message": "not found"})

    def test_bad_requests_get_400_and_change_nothing(self):
        cases = [
            ("GET", "/organisers/usr-ann/things?status=PENDING", None,
             "'status' must be one of DRAFT, PUBLISHED, REJECTED"),
            ("GET", "/organisers/usr-ann/things", None, "'status' must be one of DRAFT, PUBLISHED, REJECTED"),
            ("GET", "/things", None, "'status' must be one of PENDING"),
            ("GET", "/things?ids=", None, "'ids' must name at least one id (ids=a,b,c)"),
            ("GET", "/organisers?ids=" + ",".join(f"usr-{i}" for i in range(101)), None,
             "'ids' names at most 100 ids"),
            ("GET", "/users/usr%23cat/children", None, "'usrId' must be a non-empty string without '#'"),
            ("PUT", "/users/usr-eve", b"not json", "the body must be a JSON object"),
            ("PUT", "/users/usr-eve", b"[1]", "the body must be a JSON object"),
            ("PUT", "/users/usr-eve", b'{"name": "Eve"}', "'email' must be a non-empty string without '#'"),
            ("PUT", "/things/ttd-9", b'{"orgId": "usr-ann", "title": "x", "status": "SOLD"}',
             "'status' must be one of DRAFT, PENDING, PUBLISHED, REJECTED"),
            ("PUT", "/things/ttd-9", b'{"orgId": "usr-ann", "title": "x", "price": "free"}',
             "'price' must be a number from 0 to 10000"),
            ("PUT", "/things/ttd-9", b'{"orgId": "usr-ann", "title": "x", "price": -1}',
             "'price' must be a number from 0 to 10000"),
            ("PUT", "/bookings/bkg-9", b'{"usrId": "usr-cat", "date": "2026-12-24"}',
             "'ttdId' must be a non-empty string without '#'"),
        ]
        for method, route, data, message in cases:
            with self.subTest(method=method, route=route[:60]):
                self.assertEqual(self.request(method, route, data), (400, {"message": message}))
        self.assertEqual(self.get("/users/usr-eve", 404), {"message": "not found"})
        self.assertEqual(self.get("/things/ttd-9", 404), {"message": "not found"})
        self.assertEqual(self.get("/bookings/bkg-9", 404), {"message": "not found"})


if __name__ == "__main__":
    unittest.main()

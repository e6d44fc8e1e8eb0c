"""EKM Push cloud simulator: account API, realtime ``readMeter`` and the Trigger API.

One server plays api.ekmpush.com:

* ``GET /account/api/account?key=K``: the gateways and meters a key sees
* ``GET /readMeter?key=K&meters=A~B&ver=v4&fmt=json&cnt=1``: the latest read of each meter,
  values partly as strings (as the cloud sends them); readings move with every request;
  a meter in ``bad_read_meters`` answers ``Good: 0``
* ``GET|POST|PUT|DELETE /api/trigger``: the Trigger API with Bearer tokens (OWNER tokens see
  their own account only; GROUP/ADMIN tokens any account, given a key owning the object),
  400 ``{"error": ...}`` for invalid triggers, 403 for bad key/token, 404 for unknown uuids

Triggers with an RRULE condition fire when an occurrence is due (checked at every request,
with the simulator's clock, so frozen time in tests works); triggers with data conditions
are evaluated on every good read of their meter. A ``setRelay`` action switches the meter's
relay (unless the meter is in ``stuck_relays``); every executed action is recorded in
``executed``. ``canned`` replaces the answer to a (method, path) for tolerance tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
import itertools
import json
from typing import Any
import uuid

from aiohttp import web
from dateutil.rrule import rrulestr

from .base import Simulator, bearer_token

DEFAULT_KEY = "MTAxMDoyMDIw"
DEFAULT_TOKEN = "BZTdu8_5iw62WQuDg4OHIMhG7mcEqJu8VrzHSywCkPk"
ADMIN_TOKEN = "admin-7f3c9e0d1b2a"
GROUP_TOKEN = "group-3e4f5a6b7c8d"
READ_ONLY_TOKEN = "readonly-5a6b7c8d"
GATEWAY = "4016fa0500cd"
GATEWAY_2 = "4016fa010226"
GATEWAY_KEY = "R1dLRVk6NDAxNmZhMDUwMGNk"
OTHER_KEY = "T1RIRVI6QUNDT1VOVA"
OTHER_TOKEN = "other-owner-91e2d3"
OTHER_GATEWAY = "4016fa099999"

THRESHOLD_TESTS = ("==", "!=", ">=", "<=", ">", "<", "rise_gt", "rise_eq")
FORBIDDEN = {"error": "Unauthorized - invalid key or API token"}
NOT_FOUND = {"error": "Invalid trigger id (trigger not found)"}


@dataclass
class SimMeter:
    """One Omnimeter behind a gateway."""

    address: str
    gateway: str
    account: str
    protocol: str = "v4"
    kwh: float = 1000.0
    rev_kwh: float = 10.0
    watts: int = 1200
    relays: list[bool] = field(default_factory=lambda: [False, False])
    reads: int = 0
    #: numeric values of the previous and the latest good read (for data triggers)
    previous: dict[str, float] = field(default_factory=dict)
    latest: dict[str, float] = field(default_factory=dict)


@dataclass
class SimToken:
    """An API token: its account, privilege (OWNER, GROUP, ADMIN) and permission."""

    account: str
    privilege: str = "OWNER"
    write: bool = True


@dataclass
class SimKey:
    """A key: the account it belongs to and, for a gateway key, the gateway."""

    account: str
    gateway: str | None = None


@dataclass
class SimTrigger:
    """A stored trigger and its owner."""

    data: dict[str, Any]
    gateway: str
    account: str
    fired: int = 0
    #: data triggers: whether the conditions held at the last read, last firing time
    active: bool = False
    last_fired: float | None = None


def _float_ok(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    try:
        float(value)
    except TypeError, ValueError:
        return False
    return True


class EkmSimulator(Simulator):
    """EKM Push: account API, readMeter and the Trigger API on one server."""

    name = "ekm"

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        key: str = DEFAULT_KEY,
        username: str | None = None,
        password: str | None = None,
    ) -> None:
        """EKM Push needs no username or password (accepted for the common CLI)."""
        self.key = key
        self.token = token
        self.accounts: dict[str, list[str]] = {
            "acct1": [GATEWAY, GATEWAY_2],
            "acct2": [OTHER_GATEWAY],
        }
        self.keys: dict[str, SimKey] = {
            key: SimKey("acct1"),
            GATEWAY_KEY: SimKey("acct1", GATEWAY),
            OTHER_KEY: SimKey("acct2"),
        }
        self.tokens: dict[str, SimToken] = {
            token: SimToken("acct1"),
            READ_ONLY_TOKEN: SimToken("acct1", write=False),
            ADMIN_TOKEN: SimToken("admin", privilege="ADMIN"),
            GROUP_TOKEN: SimToken("acct2", privilege="GROUP"),
            OTHER_TOKEN: SimToken("acct2"),
        }
        self.meters: dict[str, SimMeter] = {
            m.address: m
            for m in (
                SimMeter("000300000001", GATEWAY, "acct1", kwh=218322.0, watts=12105),
                SimMeter("000300000002", GATEWAY, "acct1", kwh=5120.5, watts=800),
                SimMeter("000000000099", GATEWAY, "acct1", protocol="v3", kwh=62889.4, watts=0),
                SimMeter("000000010388", GATEWAY_2, "acct1", kwh=42.0, watts=100),
                SimMeter("000700001234", OTHER_GATEWAY, "acct2"),
            )
        }
        self.triggers: dict[str, SimTrigger] = {}
        self.bad_read_meters: set[str] = set()
        self.stuck_relays: set[str] = set()
        #: setRelay / sendEmail actions executed: (trigger uuid, action)
        self.executed: list[tuple[str, dict[str, Any]]] = []
        #: Odd replies for tolerance tests: (method, path) -> (status, body text)
        self.canned: dict[tuple[str, str], tuple[int, str]] = {}
        super().__init__()

    def describe(self) -> dict[str, Any]:
        """What a developer needs to add the simulated account."""
        return {
            "key": self.key,
            "token": self.token,
            "admin_token": ADMIN_TOKEN,
            "gateways": ",".join(self.accounts["acct1"]),
            "meters": ",".join(m.address for m in self.meters.values() if m.account == "acct1"),
        }

    def dev_environment(self) -> dict[str, str]:
        """Point the integration's EKM Push hosts (account, readings, triggers) here."""
        return {"ENERGY_HUB_EKM_URL": self.url}

    def setup_routes(self, router: web.UrlDispatcher) -> None:
        """The EKM Push paths."""
        self.app.middlewares.append(self._canned_reply)
        router.add_get("/account/api/account", self._account)
        router.add_get("/readMeter", self._read_meter)
        router.add_get("/api/trigger", self._get_trigger)
        router.add_post("/api/trigger", self._post_trigger)
        router.add_put("/api/trigger", self._put_trigger)
        router.add_delete("/api/trigger", self._delete_trigger)

    @web.middleware
    async def _canned_reply(self, request: web.Request, handler: Any) -> web.StreamResponse:
        canned = self.canned.get((request.method, request.path))
        if canned is None:
            response: web.StreamResponse = await handler(request)
            return response
        status, text = canned
        return web.Response(text=text, status=status, content_type="application/json")

    # -- helpers for tests -------------------------------------------------------------

    def add_trigger(self, trigger: dict[str, Any], gateway: str = GATEWAY) -> str:
        """Store a trigger as if created elsewhere (the EKM portal); returns its uuid."""
        meter_account = "acct2" if gateway == OTHER_GATEWAY else "acct1"
        return self._store(dict(trigger), gateway, meter_account)

    def relay(self, meter: str, relay: int) -> bool:
        """The state of a meter's relay (1 or 2)."""
        return self.meters[meter].relays[relay - 1]

    # -- scopes ------------------------------------------------------------------------

    def _gateways_of(self, key: SimKey) -> list[str]:
        return [key.gateway] if key.gateway else list(self.accounts.get(key.account, []))

    def _meters_of(self, key: SimKey) -> list[SimMeter]:
        gateways = self._gateways_of(key)
        return [m for m in self.meters.values() if m.gateway in gateways]

    def _json(self, request: web.Request, data: Any, status: int = 200) -> web.Response:
        indent = request.query.get("indent")
        text = json.dumps(data, indent=int(indent) if indent and indent.isdigit() else None)
        return web.Response(text=text, status=status, content_type="application/json")

    # -- account API -------------------------------------------------------------------

    async def _account(self, request: web.Request) -> web.Response:
        self._run_due_triggers()
        key = self.keys.get(request.query.get("key", ""))
        if key is None:
            return self._json(request, {"error": "Invalid key"}, 403)
        return self._json(
            request,
            {
                "key": request.query["key"],
                "key_type": "gateway" if key.gateway else "account",
                "host": "psrv1.ekmmetering.com",
                "gateways": [{"mac_address": mac} for mac in self._gateways_of(key)],
                "meters": [{"address": m.address} for m in self._meters_of(key)],
                "metersets": [],
            },
        )

    # -- readMeter ---------------------------------------------------------------------

    async def _read_meter(self, request: web.Request) -> web.Response:
        self._run_due_triggers()
        key = self.keys.get(request.query.get("key", ""))
        if key is None:
            # the cloud answers a bad key with an error object, not an HTTP error
            return self._json(request, {"error": "Invalid key"})
        visible = {m.address: m for m in self._meters_of(key)}
        wanted = request.query.get("meters")
        if wanted:
            addresses = [a for a in wanted.split("~") if a]
            meters = [visible[a] for a in addresses if a in visible]
        else:
            meters = list(visible.values())
        now_ms = int(datetime.now(UTC).timestamp() * 1000)
        read_set = [self._read_set(m, now_ms) for m in meters]
        return self._json(request, {"readMeter": {"Requested": 1, "ReadSet": read_set}})

    def _read_set(self, meter: SimMeter, now_ms: int) -> dict[str, Any]:
        meter.reads += 1
        envelope: dict[str, Any] = {
            "Meter": meter.address,
            "Group": 564257,
            "Interval": 60,
            "Protocol": meter.protocol,
            "MAC_Addr": meter.gateway,
            "Tz_Offset_Sec": 0,
            "Credits": 1000000,
        }
        if meter.address in self.bad_read_meters:
            return {
                **envelope,
                "Bad_Reads": 1,
                "Good_Reads": 0,
                "ReadData": [{"Good": 0, "Time_Stamp_UTC_ms": now_ms, "PERR.NR": "26950"}],
            }
        # the readings move: energy grows, power wobbles
        meter.kwh = round(meter.kwh + 0.25, 2)
        meter.rev_kwh = round(meter.rev_kwh + 0.01, 2)
        watts = meter.watts + (meter.reads % 5) * 10
        read: dict[str, Any] = {
            "Good": 1,
            "Time_Stamp_UTC_ms": now_ms,
            "Firmware": "28" if meter.protocol == "v4" else "1c",
            "Model": "1024" if meter.protocol == "v4" else "1017",
            # the cloud sends many values as strings
            "kWh_Tot": f"{meter.kwh:.1f}" if meter.address.endswith("2") else meter.kwh,
            "kWh_Tariff_1": round(meter.kwh * 0.6, 1),
            "kWh_Tariff_2": round(meter.kwh * 0.4, 1),
            "Rev_kWh_Tot": meter.rev_kwh,
            "RMS_Volts_Ln_1": "123.8",
            "RMS_Volts_Ln_2": "123.4",
            "RMS_Volts_Ln_3": "0.0",
            "Amps_Ln_1": f"{watts / 2 / 123.8:.1f}",
            "Amps_Ln_2": f"{watts / 2 / 123.4:.1f}",
            "Amps_Ln_3": "0.0",
            "RMS_Watts_Ln_1": watts // 2,
            "RMS_Watts_Ln_2": watts - watts // 2,
            "RMS_Watts_Ln_3": 0,
            "RMS_Watts_Tot": str(watts),
            "Power_Factor_Ln_1": "117",
            "Power_Factor_Ln_2": 95,
            "Power_Factor_Ln_3": 100,
            "Max_Demand": 22275,
            "CT_Ratio": 200,
            "Pulse_Cnt_1": meter.reads,
            "Pulse_Cnt_2": 0,
            "Pulse_Cnt_3": 0,
            "State_Inputs": 0,
            "Meter_Time": "26092903095334",
        }
        if meter.protocol == "v4":
            r1, r2 = meter.relays
            del read["Max_Demand"]
            read.update(
                {
                    "Reactive_Energy_Tot": 26065.0,
                    "kWh_Ln_1": round(meter.kwh / 2, 2),
                    "kWh_Ln_2": round(meter.kwh / 2, 2),
                    "kWh_Ln_3": 0.0,
                    "Reactive_Pwr_Tot": 4965,
                    "RMS_Watts_Max_Demand": 22275.0,
                    "Line_Freq": "60.05",
                    "Net_Calc_Watts_Tot": watts,
                    "State_Watts_Dir": 1,
                    "State_Out": 1 + (2 if r1 else 0) + (1 if r2 else 0),
                }
            )
        meter.previous = meter.latest
        meter.latest = {k: float(v) for k, v in read.items() if _float_ok(v)}
        self._run_data_triggers(meter)
        return {**envelope, "Bad_Reads": 0, "Good_Reads": 1, "ReadData": [read]}

    # -- Trigger API -------------------------------------------------------------------

    def _auth(self, request: web.Request, *, write: bool) -> SimKey | web.Response:
        """The key of an authorised request, or the 403 to answer."""
        token = self.tokens.get(bearer_token(request) or "")
        key = self.keys.get(request.query.get("key", ""))
        if token is None or key is None:
            return self._json(request, FORBIDDEN, 403)
        if token.privilege == "OWNER" and token.account != key.account:
            return self._json(request, FORBIDDEN, 403)
        if write and not token.write:
            return self._json(request, {"error": "API token is read only"}, 403)
        return key

    async def _body(self, request: web.Request) -> dict[str, Any] | None:
        try:
            body = await request.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    async def _get_trigger(self, request: web.Request) -> web.Response:
        self._run_due_triggers()
        key = self._auth(request, write=False)
        if isinstance(key, web.Response):
            return key
        if uid := request.query.get("trigger"):
            stored = self.triggers.get(uid)
            if stored is None:
                return self._json(request, NOT_FOUND, 404)
            if stored.gateway not in self._gateways_of(key):
                return self._json(request, FORBIDDEN, 403)
            return self._json(request, {"trigger": stored.data})
        if gateway := request.query.get("gateway"):
            if gateway.lower() not in self._gateways_of(key):
                return self._json(request, FORBIDDEN, 403)
            return self._json(
                request,
                {"triggers": [t.data for t in self.triggers.values() if t.gateway == gateway]},
            )
        return self._json(request, {"error": "Missing parameter: trigger or gateway"}, 400)

    async def _post_trigger(self, request: web.Request) -> web.Response:
        self._run_due_triggers()
        key = self._auth(request, write=True)
        if isinstance(key, web.Response):
            return key
        gateway = request.query.get("gateway", "").lower()
        if not gateway:
            return self._json(request, {"error": "Missing parameter: gateway"}, 400)
        if gateway not in self._gateways_of(key):
            return self._json(request, FORBIDDEN, 403)
        body = await self._body(request)
        trigger = body.get("trigger") if body else None
        if not isinstance(trigger, dict):
            return self._json(request, {"error": "Missing trigger object"}, 400)
        trigger = {k: v for k, v in trigger.items() if k in self._WRITABLE}
        error = self._validate(trigger, gateway, key.account, partial=False)
        if error:
            return self._json(request, {"error": error}, 400)
        uid = self._store(trigger, gateway, key.account)
        return self._json(request, {"trigger": self.triggers[uid].data}, 201)

    _WRITABLE = ("trigger_name", "enabled", "conditions", "actions")

    def _store(self, trigger: dict[str, Any], gateway: str, account: str) -> str:
        uid = uuid.uuid4().hex
        stamp = datetime.now(UTC).isoformat()
        data = {
            "trigger_uuid": uid,
            "trigger_name": trigger.get("trigger_name", ""),
            "enabled": trigger.get("enabled", True),
            "created_at": stamp,
            "updated_at": stamp,
            "conditions": trigger.get("conditions", []),
            "actions": trigger.get("actions", []),
        }
        self.triggers[uid] = SimTrigger(data, gateway, account)
        return uid

    async def _put_trigger(self, request: web.Request) -> web.Response:
        self._run_due_triggers()
        key = self._auth(request, write=True)
        if isinstance(key, web.Response):
            return key
        body = await self._body(request)
        trigger = body.get("trigger") if body else None
        if not isinstance(trigger, dict) or not isinstance(trigger.get("trigger_uuid"), str):
            return self._json(request, {"error": "Missing trigger_uuid"}, 400)
        stored = self.triggers.get(trigger["trigger_uuid"])
        if stored is None:
            return self._json(request, NOT_FOUND, 404)
        if stored.gateway not in self._gateways_of(key):
            return self._json(request, FORBIDDEN, 403)
        changes = {k: v for k, v in trigger.items() if k in self._WRITABLE}
        merged = {**stored.data, **changes}
        error = self._validate(merged, stored.gateway, stored.account, partial=False)
        if error:
            return self._json(request, {"error": error}, 400)
        if "conditions" in changes:
            stored.fired = 0
        stored.data = {**merged, "updated_at": datetime.now(UTC).isoformat()}
        return self._json(request, {"trigger": stored.data}, 201)

    async def _delete_trigger(self, request: web.Request) -> web.Response:
        self._run_due_triggers()
        key = self._auth(request, write=True)
        if isinstance(key, web.Response):
            return key
        body = await self._body(request)
        uid = body.get("trigger_uuid") if body else None
        if not isinstance(uid, str):
            return self._json(request, {"error": "Missing trigger_uuid"}, 400)
        stored = self.triggers.get(uid)
        if stored is None:
            return self._json(request, NOT_FOUND, 404)
        if stored.gateway not in self._gateways_of(key):
            return self._json(request, FORBIDDEN, 403)
        del self.triggers[uid]
        return self._json(request, {}, 201)

    # -- validation --------------------------------------------------------------------

    def _validate(
        self, trigger: dict[str, Any], gateway: str, account: str, *, partial: bool
    ) -> str | None:
        name = trigger.get("trigger_name")
        if not isinstance(name, str) or not name.strip():
            return "trigger_name is required"
        if not isinstance(trigger.get("enabled", True), bool):
            return "enabled must be a boolean"
        conditions = trigger.get("conditions")
        actions = trigger.get("actions")
        if not isinstance(conditions, list) or not conditions:
            return "At least one condition is required"
        if not isinstance(actions, list) or not actions:
            return "At least one action is required"
        for condition in conditions:
            error = self._condition_error(condition, account)
            if error:
                return error
        all_data = all(c.get("type", c.get("condition_type")) == "data" for c in conditions)
        for action in actions:
            error = self._action_error(action, gateway, all_data=all_data)
            if error:
                return error
        return None

    def _condition_error(self, condition: Any, account: str) -> str | None:
        if not isinstance(condition, dict):
            return "Invalid condition"
        kind = condition.get("type", condition.get("condition_type"))
        if kind == "rrule":
            rule = condition.get("rrule")
            if not isinstance(rule, str):
                return "Invalid rrule: missing"
            try:
                rrulestr(rule)
            except (ValueError, TypeError) as err:
                return f"Invalid rrule: {err}"
            return None
        if kind != "data":
            return f"Invalid condition type: {kind}"
        if condition.get("source") not in ("meter", "iostack"):
            return f"Invalid source: {condition.get('source')}"
        source_id = condition.get("source_id")
        if not isinstance(source_id, str) or not source_id:
            return "Invalid source_id"
        if condition["source"] == "meter" and not any(
            m.address == source_id and m.account == account for m in self.meters.values()
        ):
            return f"Invalid source_id: unknown meter {source_id}"
        if not isinstance(condition.get("field"), str) or not condition["field"]:
            return "Invalid field"
        if not _float_ok(condition.get("threshold_value")):
            return "Invalid threshold_value"
        if condition.get("threshold_test") not in THRESHOLD_TESTS:
            return f"Invalid threshold_test: {condition.get('threshold_test')}"
        for name in ("duration", "hysteresis", "tolerance"):
            if name in condition and (not _float_ok(condition[name]) or float(condition[name]) < 0):
                return f"Invalid {name}"
        if not isinstance(condition.get("continuous", False), bool):
            return "Invalid continuous"
        return None

    def _action_error(self, action: Any, gateway: str, *, all_data: bool) -> str | None:
        if not isinstance(action, dict):
            return "Invalid action"
        command = action.get("command")
        if command == "sendEmail":
            if not all_data:
                return "sendEmail actions are only allowed with data conditions"
            return None
        if command != "setRelay":
            return f"Invalid command: {command}"
        if action.get("target") != "meter":
            return "setRelay needs target meter"
        meter = self.meters.get(str(action.get("target_id")))
        if meter is None or meter.gateway != gateway:
            return f"Invalid target_id: {action.get('target_id')}"
        params = action.get("params")
        if not isinstance(params, dict):
            return "setRelay needs params"
        if params.get("relay") not in ("relay_1", "relay_2"):
            return f"Invalid relay: {params.get('relay')}"
        if params.get("status") not in ("close", "open"):
            return f"Invalid status: {params.get('status')}"
        duration = params.get("duration", 0)
        if not _float_ok(duration) or not 0 <= float(duration) <= 9999:
            return "Invalid duration"
        return None

    # -- firing ------------------------------------------------------------------------

    def _run_due_triggers(self) -> None:
        """Fire every enabled trigger whose RRULE has a new occurrence due by now."""
        now = datetime.now(UTC).replace(tzinfo=None)
        for uid, stored in list(self.triggers.items()):
            if not stored.data.get("enabled", True):
                continue
            rules = [
                c["rrule"]
                for c in stored.data.get("conditions", [])
                if c.get("type", c.get("condition_type")) == "rrule"
            ]
            if not rules:
                continue
            rule = rrulestr(rules[0])
            due = sum(
                1 for _ in itertools.takewhile(lambda d: d <= now, itertools.islice(rule, 1000))
            )
            if due > stored.fired:
                stored.fired = due
                self._execute(uid, stored)

    def _run_data_triggers(self, meter: SimMeter) -> None:
        """Fire data triggers watching ``meter`` whose conditions now hold.

        All conditions must hold; ``rise_*`` tests hold when the value crossed the
        threshold since the previous read. Without ``continuous`` a trigger fires once per
        time its conditions become true; ``hysteresis`` (default 60 s) spaces firings.
        ``duration`` is not simulated.
        """
        now = datetime.now(UTC).timestamp()
        for uid, stored in list(self.triggers.items()):
            conditions = stored.data.get("conditions", [])
            if not stored.data.get("enabled", True) or not conditions:
                continue
            if any(c.get("type", c.get("condition_type")) != "data" for c in conditions):
                continue
            if not any(c.get("source_id") == meter.address for c in conditions):
                continue
            holds = all(self._condition_holds(c) for c in conditions)
            was_active, stored.active = stored.active, holds
            if not holds or (was_active and not conditions[0].get("continuous", False)):
                continue
            hysteresis = float(conditions[0].get("hysteresis", 60))
            if stored.last_fired is not None and now - stored.last_fired < hysteresis:
                continue
            stored.last_fired = now
            self._execute(uid, stored)

    def _condition_holds(self, condition: dict[str, Any]) -> bool:
        meter = self.meters.get(str(condition.get("source_id")))
        if meter is None:
            return False
        name = str(condition.get("field"))
        value = meter.latest.get(name)
        if value is None:
            return False
        threshold = float(condition["threshold_value"])
        tolerance = float(condition.get("tolerance", 1e-6))
        test = condition["threshold_test"]
        if test.startswith("rise_"):
            before = meter.previous.get(name)
            if before is None:
                return False
            if test == "rise_gt":
                return before <= threshold < value
            return before < threshold - tolerance and abs(value - threshold) <= tolerance
        checks = {
            "==": abs(value - threshold) <= tolerance,
            "!=": abs(value - threshold) > tolerance,
            ">=": value >= threshold - tolerance,
            "<=": value <= threshold + tolerance,
            ">": value > threshold,
            "<": value < threshold,
        }
        return checks[test]

    def _execute(self, uid: str, stored: SimTrigger) -> None:
        for action in stored.data.get("actions", []):
            self.executed.append((uid, action))
            if action.get("command") != "setRelay":
                continue
            meter = self.meters.get(str(action.get("target_id")))
            if meter is None or meter.address in self.stuck_relays:
                continue
            params = action.get("params", {})
            index = 0 if params.get("relay") == "relay_1" else 1
            meter.relays[index] = params.get("status") == "close"


SIMULATOR = EkmSimulator

"""`orderb2b settings list|show|set`: the settings staff change, from the shell."""

from __future__ import annotations

import getpass
import json

from core import commands
from core.ports import Actor


def add_parsers(commands_parser, app_factory) -> None:
    settings = commands_parser.add_parser("settings", help="settings and their defaults")
    verbs = settings.add_subparsers(dest="settings", required=True)

    listing = verbs.add_parser("list", help="every setting with its value")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: _list(args, app_factory))

    show = verbs.add_parser("show", help="one setting with its history")
    show.add_argument("key")
    show.add_argument("--json", action="store_true")
    show.set_defaults(action=lambda args: _show(args, app_factory))

    change = verbs.add_parser("set", help="change a setting")
    change.add_argument("key")
    change.add_argument("value", help=r"true/false, a whole number, or text (\n starts a new line)")
    change.set_defaults(action=lambda args: _set(args, app_factory))


def _list(args, app_factory) -> int:
    from core.storage.settings import list_settings

    found = list_settings(app_factory().engine)
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    print(f"{'KEY':<28} {'VALUE':<24} DESCRIPTION")
    for setting in found:
        print(f"{setting['key']:<28} {_shown(setting['value']):<24} {setting['description']}")
    return 0


def _show(args, app_factory) -> int:
    from core.storage.settings import setting_detail

    detail = setting_detail(app_factory().engine, args.key)
    if args.json:
        print(json.dumps(detail, indent=2))
        return 0
    print(f"{detail['key']} = {_shown(detail['value'])}  (default {_shown(detail['default'])})")
    print(f"  {detail['description']}")
    for entry in detail["history"]:
        change = entry["changes"].get("value", {})
        print(
            f"  {entry['at'][:19]} {entry['actor']}: {_shown(change.get('old'))}"
            f" -> {_shown(change.get('new'))}"
        )
    return 0


def _set(args, app_factory) -> int:
    from core.storage.settings import parse

    value = parse(args.key, args.value)
    actor = Actor("staff", f"cli:{getpass.getuser()}")
    app_factory().bus.execute(commands.ChangeSetting(args.key, value), actor)
    print(f"{args.key} = {_shown(value)}")
    return 0


def _shown(value) -> str:
    return json.dumps(value) if not isinstance(value, str) else value.replace("\n", "\\n")

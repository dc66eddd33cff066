"""`orderb2b partners add|change|list|show`: the partner registry from the shell.

Secrets never appear on the command line (where `ps` would show them): they are
read from an environment variable or a file named by the option.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
from pathlib import Path

from core import commands
from core.model.partners import ENDPOINT_NAMES, IDENTITY_FIELDS, MODES, PARTNER_CHANNELS
from core.ports import Actor

SECRET_OPTIONS = ("shared_secret", "outbound_secret")


class PartnerUsageError(Exception):
    """A bad option value; the CLI reports it in one line."""


def add_parsers(commands_parser, app_factory) -> None:
    partners = commands_parser.add_parser("partners", help="trading partners").add_subparsers(
        dest="partners", required=True
    )
    add = partners.add_parser("add", help="register a trading partner")
    add.add_argument("code")
    add.add_argument("--name", required=True)
    add.add_argument("--channel", required=True, choices=PARTNER_CHANNELS)
    _setting_options(add)
    add.set_defaults(action=lambda args: _add(args, app_factory))

    change = partners.add_parser("change", help="change a partner's settings")
    change.add_argument("code")
    change.add_argument("--name")
    _setting_options(change)
    change.add_argument(
        "--archive", action="store_true", help="archive (partners are never deleted)"
    )
    change.set_defaults(action=lambda args: _change(args, app_factory))

    listing = partners.add_parser("list", help="list partners")
    listing.add_argument("--channel", choices=PARTNER_CHANNELS)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: _list(args, app_factory))

    show = partners.add_parser("show", help="one partner with its history")
    show.add_argument("code")
    show.add_argument("--json", action="store_true")
    show.set_defaults(action=lambda args: _show(args, app_factory))


def _setting_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mode", choices=MODES)
    for name in IDENTITY_FIELDS:
        parser.add_argument("--" + name.replace("_", "-"), dest=name)
    parser.add_argument(
        "--endpoint",
        action="append",
        default=[],
        metavar="NAME=URL",
        help=f"where documents go; NAME is one of {', '.join(ENDPOINT_NAMES)}; NAME= clears it",
    )
    for name in SECRET_OPTIONS:
        flag = name.replace("_", "-")
        parser.add_argument(f"--{flag}-env", metavar="VARIABLE", help=f"read the {flag} from it")
        parser.add_argument(
            f"--{flag}-file", type=Path, metavar="FILE", help=f"read the {flag} from it"
        )


def _add(args, app_factory) -> int:
    app = app_factory()
    shared, outbound = _secrets(args, app)
    command = commands.AddPartner(
        args.code, args.name, args.channel, _settings(args), shared, outbound
    )
    app.bus.execute(command, _actor())
    print(f"partner {args.code} added")
    return 0


def _change(args, app_factory) -> int:
    app = app_factory()
    settings = _settings(args)
    if args.name:
        settings["name"] = args.name
    if args.archive:
        settings["archived"] = True
    shared, outbound = _secrets(args, app)
    if not settings and shared is None and outbound is None:
        raise PartnerUsageError("nothing to change: give at least one setting")
    app.bus.execute(commands.ChangePartner(args.code, settings, shared, outbound), _actor())
    print(f"partner {args.code} changed")
    return 0


def _list(args, app_factory) -> int:
    from core.storage.queries import list_partners

    partners = list_partners(app_factory().engine, channel=args.channel)
    if args.json:
        print(json.dumps(partners, indent=2))
        return 0
    print(f"{'CODE':<20} {'CHANNEL':<7} {'MODE':<10} {'IDENTITY':<30} NAME")
    for p in partners:
        identity = _identity(p)
        print(f"{p['code']:<20} {p['channel']:<7} {p['mode']:<10} {identity[:30]:<30} {p['name']}")
    return 0


def _show(args, app_factory) -> int:
    from core.storage.queries import partner_detail

    detail = partner_detail(app_factory().engine, args.code)
    if args.json:
        print(json.dumps(detail, indent=2))
        return 0
    for key, value in detail.items():
        if key != "history":
            print(f"{key:<22} {value if value is not None else ''}")
    print("history:")
    for entry in detail["history"]:
        who = f"{entry['actor_kind']}:{entry['actor']}"
        fields = ", ".join(sorted(entry["changes"]))
        print(f"  {entry['at']}  {entry['action']:<7} {who}  {fields}")
    return 0


def _identity(partner: dict) -> str:
    if partner.get("x12_id"):
        return f"{partner['x12_qualifier'] or ''}/{partner['x12_id']}"
    return f"{partner.get('identity_domain') or ''}/{partner.get('identity') or ''}"


def _settings(args) -> dict:
    settings = {
        name: _blank_is_none(getattr(args, name))
        for name in (*IDENTITY_FIELDS, "mode")
        if getattr(args, name) is not None
    }
    endpoints = dict(_endpoint(value) for value in args.endpoint)
    if endpoints:
        settings["endpoints"] = endpoints
    return settings


def _endpoint(value: str) -> tuple[str, str | None]:
    name, equals, url = value.partition("=")
    if not equals:
        raise PartnerUsageError(f"--endpoint {value!r}: expected NAME=URL")
    return name.strip(), url.strip() or None


def _blank_is_none(value: str) -> str | None:
    return value.strip() or None


def _secrets(args, app) -> tuple[str | None, str | None]:
    shared = _read_secret(args, "shared_secret")
    outbound = _read_secret(args, "outbound_secret")
    if outbound is not None:
        from hub.secrets import SecretBox

        outbound = SecretBox.for_config(app.config).seal(outbound)
    return shared, outbound


def _read_secret(args, name: str) -> str | None:
    variable = getattr(args, f"{name}_env")
    path = getattr(args, f"{name}_file")
    if variable and path:
        raise PartnerUsageError(
            f"give the {name.replace('_', '-')} once: from a variable or a file"
        )
    if variable:
        if variable not in os.environ:
            raise PartnerUsageError(f"environment variable {variable} is not set")
        secret = os.environ[variable]
    elif path:
        if not path.is_file():
            raise PartnerUsageError(f"{path}: no such file")
        secret = path.read_text("utf-8").rstrip("\r\n")
    else:
        return None
    if not secret:
        raise PartnerUsageError(f"the {name.replace('_', '-')} is empty")
    return secret


def _actor() -> Actor:
    return Actor("staff", f"cli:{getpass.getuser()}")

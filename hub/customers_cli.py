"""`orderb2b customers|leads|groups|teams`: customers, leads, contacts, addresses,
customer groups and sales teams from the shell.

The shell acts for the operator (recorded as `cli:<login>`) and sees every customer;
`customers list|export --as USERNAME` shows what that staff member would see.
"""

from __future__ import annotations

import getpass
import json
import sys
from pathlib import Path
from typing import Any

from core import commands
from core.model.customers import ADDRESS_KINDS, STATUSES
from core.model.teams import ROLES
from core.ports import Actor
from hub.cli_errors import CliUsageError

# Options that set a customer's fields: (option, field, help).
CUSTOMER_OPTIONS = (
    ("--email", "email", "email address"),
    ("--phone", "phone", "phone number"),
    ("--partner", "partner_code", "trading partner code whose orders are theirs"),
    ("--tax-exempt-id", "tax_exempt_id", "tax exemption certificate number"),
    ("--net-terms", "net_terms_days", "days to pay an invoice, e.g. 30"),
    ("--credit-limit", "credit_limit", "credit limit, e.g. 25000.00"),
    ("--discount", "discount_percent", "their own discount in percent, e.g. 5"),
    ("--website", "website", "website"),
    ("--notes", "notes", "notes for staff"),
)
GROUP_OPTIONS = (
    ("--price-level", "price_level", "the price level its customers buy at"),
    ("--discount", "discount_percent", "group discount in percent, e.g. 7.5"),
    (
        "--order-confirmation",
        "order_confirmation",
        'confirmation emails: always, never, or "" as the setting orders.confirmation_email',
    ),
)


def add_parsers(commands_parser, app_factory) -> None:
    _customer_parsers(commands_parser, app_factory)
    _lead_parsers(commands_parser, app_factory)
    _group_parsers(commands_parser, app_factory)
    _team_parsers(commands_parser, app_factory)


def _customer_parsers(commands_parser, app_factory) -> None:
    customers = commands_parser.add_parser("customers", help="customers, contacts, addresses")
    verbs = customers.add_subparsers(dest="customers", required=True)

    add = verbs.add_parser("add", help="add a customer")
    add.add_argument("code")
    add.add_argument("--name", required=True)
    add.add_argument("--status", choices=STATUSES, default="customer")
    add.add_argument("--group", help="customer group code")
    _flag(add, "--tax-exempt", "sales to them are tax exempt")
    _value_options(add, CUSTOMER_OPTIONS)
    add.set_defaults(action=lambda args: _add(args, app_factory))

    listing = verbs.add_parser("list", help="list customers by code")
    _filter_options(listing)
    listing.add_argument("--after", metavar="CODE", help="continue after this customer")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: _list(args, app_factory))

    show = verbs.add_parser("show", help="one customer with contacts, addresses, history")
    show.add_argument("code")
    show.add_argument("--json", action="store_true")
    show.set_defaults(action=lambda args: _show(args, app_factory))

    change = verbs.add_parser("change", help="change a customer's fields or group")
    change.add_argument("code")
    change.add_argument("--name")
    change.add_argument("--status", choices=STATUSES, help="customer converts a lead")
    change.add_argument("--group", help='customer group code ("" takes them out of it)')
    _switch(change, "--tax-exempt", "--not-tax-exempt", "tax_exempt")
    _switch(change, "--archive", "--restore", "archived")
    _value_options(change, CUSTOMER_OPTIONS)
    change.set_defaults(action=lambda args: _change(args, app_factory))

    export = verbs.add_parser("export", help="customers as CSV")
    _filter_options(export)
    export.add_argument("--output", type=Path, metavar="FILE", help="write here, not stdout")
    export.set_defaults(action=lambda args: _export(args, app_factory))

    contact = verbs.add_parser("contact", help="contacts").add_subparsers(
        dest="contact", required=True
    )
    add_contact = contact.add_parser("add", help="add a contact to a customer")
    add_contact.add_argument("customer", metavar="CODE")
    add_contact.add_argument("--name", required=True)
    for option in ("--email", "--phone", "--role"):
        add_contact.add_argument(option)
    _flag(add_contact, "--primary", "the customer's main contact")
    add_contact.set_defaults(action=lambda args: _add_contact(args, app_factory))

    address = verbs.add_parser("address", help="addresses").add_subparsers(
        dest="address", required=True
    )
    add_address = address.add_parser("add", help="add a billing or shipping address")
    add_address.add_argument("customer", metavar="CODE")
    add_address.add_argument("--kind", required=True, choices=ADDRESS_KINDS)
    add_address.add_argument("--street1", required=True)
    add_address.add_argument("--street2")
    add_address.add_argument("--city", required=True)
    add_address.add_argument("--state")
    add_address.add_argument("--postal-code")
    add_address.add_argument("--country", required=True, help="ISO 3166 code, e.g. US")
    add_address.add_argument("--label")
    _flag(add_address, "--default", "the default address of its kind")
    add_address.set_defaults(action=lambda args: _add_address(args, app_factory))


def _lead_parsers(commands_parser, app_factory) -> None:
    leads = commands_parser.add_parser("leads", help="leads: customers not yet buying")
    verbs = leads.add_subparsers(dest="leads", required=True)
    add = verbs.add_parser("add", help="add a lead (to the group that takes new leads)")
    add.add_argument("code")
    add.add_argument("--name", required=True)
    add.add_argument("--group", help="customer group code (default: the one taking leads)")
    _value_options(add, CUSTOMER_OPTIONS)
    add.set_defaults(action=lambda args: _add(args, app_factory, status="lead"))


def _group_parsers(commands_parser, app_factory) -> None:
    groups = commands_parser.add_parser("groups", help="customer groups")
    verbs = groups.add_subparsers(dest="groups", required=True)
    for verb, text in (("add", "add a customer group"), ("change", "change a customer group")):
        sub = verbs.add_parser(verb, help=text)
        sub.add_argument("code")
        sub.add_argument("--name", required=verb == "add")
        _value_options(sub, GROUP_OPTIONS)
        sub.add_argument("--team", help='sales team code ("" for none)')
        sub.add_argument("--manager", metavar="USERNAME", help='account manager ("" for none)')
        _switch(sub, "--newsletter", "--no-newsletter", "newsletter")
        _switch(sub, "--takes-new-leads", "--no-new-leads", "takes_new_leads")
        if verb == "change":
            _switch(sub, "--archive", "--restore", "archived")
        sub.set_defaults(action=lambda args, verb=verb: _group(args, verb, app_factory))
    listing = verbs.add_parser("list", help="list customer groups")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: _groups_list(args, app_factory))


def _team_parsers(commands_parser, app_factory) -> None:
    teams = commands_parser.add_parser("teams", help="sales teams")
    verbs = teams.add_subparsers(dest="teams", required=True)
    add = verbs.add_parser("add", help="add a sales team")
    add.add_argument("code")
    add.add_argument("--name", required=True)
    add.set_defaults(action=lambda args: _team_add(args, app_factory))
    listing = verbs.add_parser("list", help="list sales teams, their people and groups")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(action=lambda args: _teams_list(args, app_factory))
    change = verbs.add_parser("change", help="rename a team, or archive or restore it")
    change.add_argument("code")
    change.add_argument("--name")
    state = change.add_mutually_exclusive_group()
    state.add_argument("--archive", dest="archived", action="store_true", default=None)
    state.add_argument("--restore", dest="archived", action="store_false")
    change.set_defaults(action=lambda args: _team_change(args, app_factory))
    join = verbs.add_parser("join", help="put a staff member in a team (or change their role)")
    join.add_argument("team", metavar="TEAM")
    join.add_argument("username", metavar="USERNAME")
    join.add_argument("--role", choices=ROLES, default="member")
    join.set_defaults(action=lambda args: _team_join(args, app_factory))
    leave = verbs.add_parser("leave", help="take a staff member out of a team")
    leave.add_argument("team", metavar="TEAM")
    leave.add_argument("username", metavar="USERNAME")
    leave.set_defaults(action=lambda args: _team_leave(args, app_factory))


def _flag(parser, option: str, text: str) -> None:
    parser.add_argument(option, action="store_true", help=text)


def _switch(parser, on: str, off: str, dest: str) -> None:
    """A pair of options setting a yes/no field; neither leaves it as it is."""
    both = parser.add_mutually_exclusive_group()
    both.add_argument(on, dest=dest, action="store_const", const=True)
    both.add_argument(off, dest=dest, action="store_const", const=False)


def _value_options(parser, options) -> None:
    for option, dest, text in options:
        parser.add_argument(option, dest=dest, help=text)


def _filter_options(parser) -> None:
    parser.add_argument("--text", help="in code, name, email or a contact's name or email")
    parser.add_argument("--group", help="only this customer group (code)")
    parser.add_argument("--status", choices=STATUSES)
    parser.add_argument("--archived", action="store_true", help="only archived customers")
    parser.add_argument("--as", dest="as_user", metavar="USERNAME", help="as this staff sees")


def _values(args, options, *flags: str) -> dict[str, Any]:
    """The fields the options gave (absent ones are left as they are)."""
    values = {dest: getattr(args, dest) for _, dest, _ in options}
    values |= {name: getattr(args, name, None) for name in flags}
    return {name: value for name, value in values.items() if value is not None}


def _add(args, app_factory, status: str | None = None) -> int:
    values = _values(args, CUSTOMER_OPTIONS)
    if getattr(args, "tax_exempt", False):
        values["tax_exempt"] = True
    status = status or args.status
    command = commands.AddCustomer(args.code, args.name, values, args.group, status)
    app_factory().bus.execute(command, _actor())
    print(f"{status} {args.code} added")
    return 0


def _change(args, app_factory) -> int:
    values = _values(args, CUSTOMER_OPTIONS, "name", "status", "tax_exempt", "archived")
    if not values and args.group is None:
        raise CliUsageError("nothing to change: give an option")
    command = commands.ChangeCustomer(args.code, values, args.group)
    changed = app_factory().bus.execute(command, _actor())
    print(f"customer {args.code}: {', '.join(changed) or 'nothing'} changed")
    return 0


def _scope(args, app):
    if not args.as_user:
        return None
    from core.storage.scope import groups_of_username

    with app.engine.connect() as connection:
        return groups_of_username(connection, args.as_user)


def _filters(args) -> dict[str, Any]:
    from core.storage.customer_queries import customer_filters

    values = {"text": args.text, "group": args.group, "status": args.status}
    return customer_filters({**values, "archived": "true" if args.archived else None})


def _list(args, app_factory) -> int:
    from core.storage.customer_queries import list_customers

    if args.limit < 1:
        raise CliUsageError("--limit must be 1 or more")
    app = app_factory()
    found = list_customers(
        app.engine, groups=_scope(args, app), after=args.after, limit=args.limit, **_filters(args)
    )
    if args.json:
        print(json.dumps(found, indent=2))
        return 0
    print(f"{'CODE':<16} {'STATUS':<8} {'GROUP':<16} {'EMAIL':<30} NAME")
    for c in found:
        print(
            f"{c['code']:<16} {c['status']:<8} {c['group'] or '':<16} "
            f"{c['email'] or '':<30} {c['name']}"
        )
    return 0


def _show(args, app_factory) -> int:
    from core.storage.customer_queries import customer_detail

    detail = customer_detail(app_factory().engine, args.code)
    if args.json:
        print(json.dumps(detail, indent=2))
        return 0
    print(f"{detail['code']}  {detail['name']}  ({detail['status']})")
    group = detail["group"]
    print(f"group: {group['code'] + ' ' + group['name'] if group else '(none)'}")
    for key in ("email", "phone", "website", "partner_code", "tax_exempt", "tax_exempt_id"):
        if detail[key] not in (None, False):
            print(f"{key}: {detail[key]}")
    for key in ("net_terms_days", "credit_limit", "discount_percent", "notes"):
        if detail[key] is not None:
            print(f"{key}: {detail[key]}")
    print("contacts:")
    for c in detail["contacts"]:
        marks = " (primary)" * c["is_primary"] + " (archived)" * c["archived"]
        print(f"  {c['id']:<5} {c['name']}{marks}  {c['email'] or ''} {c['phone'] or ''}")
    print("addresses:")
    for a in detail["addresses"]:
        marks = " (default)" * a["is_default"] + " (archived)" * a["archived"]
        place = ", ".join(
            p for p in (a["street1"], a["street2"], a["city"], a["state"], a["postal_code"]) if p
        )
        print(f"  {a['id']:<5} {a['kind']:<8} {place}, {a['country']}{marks}")
    print("history:")
    for entry in detail["history"]:
        who = f"{entry['actor_kind']}:{entry['actor']}"
        fields = ", ".join(sorted(entry["changes"]))
        print(f"  {entry['at']}  {entry['action']:<7} {entry['entity']:<17} {who}  {fields}")
    return 0


def _export(args, app_factory) -> int:
    from core.storage.customer_queries import export_customers

    app = app_factory()
    content = export_customers(app.engine, groups=_scope(args, app), **_filters(args))
    if args.output:
        args.output.write_bytes(content)
        rows = content.count(b"\n") - 1
        print(f"{rows} customers written to {args.output}")
        return 0
    sys.stdout.write(content.decode("utf-8"))
    return 0


def _add_contact(args, app_factory) -> int:
    values = {"name": args.name, "email": args.email, "phone": args.phone, "role": args.role}
    values = {k: v for k, v in values.items() if v is not None} | {"is_primary": args.primary}
    contact_id = app_factory().bus.execute(commands.AddContact(args.customer, values), _actor())
    print(f"contact {contact_id} added to customer {args.customer}")
    return 0


def _add_address(args, app_factory) -> int:
    names = ("kind", "street1", "street2", "city", "state", "postal_code", "country", "label")
    values = {name: getattr(args, name) for name in names if getattr(args, name) is not None}
    values["is_default"] = args.default
    address_id = app_factory().bus.execute(commands.AddAddress(args.customer, values), _actor())
    print(f"address {address_id} added to customer {args.customer}")
    return 0


def _group(args, verb: str, app_factory) -> int:
    flags = ("newsletter", "takes_new_leads") + (("archived",) if verb == "change" else ())
    values = _values(args, GROUP_OPTIONS, *flags)
    if verb == "add":
        command = commands.AddCustomerGroup(args.code, args.name, values, args.team, args.manager)
    else:
        if args.name is not None:
            values["name"] = args.name
        if not values and args.team is None and args.manager is None:
            raise CliUsageError("nothing to change: give an option")
        command = commands.ChangeCustomerGroup(args.code, values, args.team, args.manager)
    result = app_factory().bus.execute(command, _actor())
    if verb == "add":
        print(f"customer group {args.code} added")
    else:
        print(f"customer group {args.code}: {', '.join(result) or 'nothing'} changed")
    return 0


def _groups_list(args, app_factory) -> int:
    from core.storage.customer_queries import list_groups

    groups = list_groups(app_factory().engine)
    if args.json:
        print(json.dumps(groups, indent=2))
        return 0
    print(
        f"{'CODE':<16} {'PRICE LEVEL':<12} {'DISCOUNT':<8} {'TEAM':<12} {'MANAGER':<14} "
        f"{'CUSTOMERS':>9}  NAME"
    )
    for g in groups:
        name = g["name"] + " (new leads)" * g["takes_new_leads"] + " (archived)" * g["archived"]
        print(
            f"{g['code']:<16} {g['price_level'] or '':<12} {g['discount_percent'] or '':<8} "
            f"{g['team'] or '':<12} {g['manager'] or '':<14} {g['customers']:>9}  {name}"
        )
    return 0


def _team_add(args, app_factory) -> int:
    app_factory().bus.execute(commands.AddSalesTeam(args.code, args.name), _actor())
    print(f"sales team {args.code} added")
    return 0


def _teams_list(args, app_factory) -> int:
    from core.storage.customer_queries import list_teams

    teams = list_teams(app_factory().engine)
    if args.json:
        print(json.dumps(teams, indent=2))
        return 0
    for t in teams:
        print(f"{t['code']}  {t['name']}{' (archived)' * t['archived']}")
        people = [
            f"{m['username']}{' (manager)' * (m['role'] == 'manager')}"
            for m in t["members"]
            if not m["left"]
        ]
        print(f"  people: {', '.join(people) or '(none)'}")
        print(f"  groups: {', '.join(t['groups']) or '(none)'}")
    return 0


def _team_change(args, app_factory) -> int:
    if args.name is None and args.archived is None:
        raise CliUsageError("nothing to change: give --name, --archive or --restore")
    command = commands.ChangeSalesTeam(args.code, args.name, args.archived)
    changed = app_factory().bus.execute(command, _actor())
    print(f"sales team {args.code}: {', '.join(changed) or 'nothing'} changed")
    return 0


def _team_join(args, app_factory) -> int:
    command = commands.JoinTeam(args.team, args.username, args.role)
    app_factory().bus.execute(command, _actor())
    print(f"{args.username} is in team {args.team} as {args.role}")
    return 0


def _team_leave(args, app_factory) -> int:
    app_factory().bus.execute(commands.LeaveTeam(args.team, args.username), _actor())
    print(f"{args.username} left team {args.team}")
    return 0


def _actor() -> Actor:
    return Actor("staff", f"cli:{getpass.getuser()}")

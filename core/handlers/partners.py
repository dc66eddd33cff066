"""The partner registry: add and change trading partners, with history."""

from __future__ import annotations

from core import commands, events, ports
from core.errors import NotFound
from core.model.partners import InvalidPartner, Partner


def add_partner(command: commands.AddPartner, uow: ports.UnitOfWork) -> str:
    if uow.partners.get(command.code) is not None:
        raise InvalidPartner(f"partner {command.code} exists already")
    partner = Partner(command.code, command.name, command.channel)
    _apply(partner, command)
    uow.partners.add(partner)
    uow.emit(events.PartnerChanged(command.code))
    return partner.code


def change_partner(command: commands.ChangePartner, uow: ports.UnitOfWork) -> str:
    partner = uow.partners.get(command.code)
    if partner is None:
        raise NotFound(f"no partner {command.code}")
    _apply(partner, command)
    uow.emit(events.PartnerChanged(command.code))
    return partner.code


def _apply(partner: Partner, command) -> None:
    if command.settings:
        partner.change(**command.settings)
    if command.shared_secret is not None:
        partner.set_secret(command.shared_secret)
    if command.outbound_secret is not None:
        partner.set_outbound_secret(command.outbound_secret)

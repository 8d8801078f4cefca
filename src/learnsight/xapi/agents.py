"""Agent identity: the key of an Agent or Group's inverse functional identifier (IFI).

Two Agents are the same when they carry the same IFI with equal values (xAPI Data 2.4.2.3).
Keys are plain strings so they can be stored, indexed and compared by any SQL engine.
"""

from __future__ import annotations

import hashlib
from typing import Any

IFI_PROPERTIES = ("mbox", "mbox_sha1sum", "openid", "account")


def ifi_key(agent: dict[str, Any]) -> str | None:
    """The key of an Agent or identified Group, or None for an anonymous Group."""
    if (mbox := agent.get("mbox")) is not None:
        return "mbox:" + str(mbox).lower()
    if (sha := agent.get("mbox_sha1sum")) is not None:
        return "sha1:" + str(sha).lower()
    if (openid := agent.get("openid")) is not None:
        return "openid:" + str(openid)
    if (account := agent.get("account")) is not None:
        return f"account:{account['homePage']}\t{account['name']}"
    return None


def member_keys(agent: dict[str, Any]) -> list[str]:
    """Keys of a Group's members (empty for an Agent)."""
    members = agent.get("member") or ()
    return [key for member in members if (key := ifi_key(member)) is not None]


def actor_key(agent: dict[str, Any]) -> str:
    """A key for any actor; an anonymous Group is keyed by its sorted members."""
    key = ifi_key(agent)
    if key is not None:
        return key
    digest = hashlib.sha1("\n".join(sorted(member_keys(agent))).encode()).hexdigest()
    return "group:" + digest


def ifi_only(agent: dict[str, Any]) -> dict[str, Any]:
    """The minimum that identifies an Agent or Group (format=ids)."""
    out: dict[str, Any] = {}
    if "objectType" in agent:
        out["objectType"] = agent["objectType"]
    for prop in IFI_PROPERTIES:
        if prop in agent:
            out[prop] = agent[prop]
            return out
    out["member"] = [ifi_only(m) for m in agent.get("member", ())]
    return out


def person(agent: dict[str, Any]) -> dict[str, Any]:
    """The Person object of the Agents resource for one Agent (Communication 2.4)."""
    out: dict[str, Any] = {"objectType": "Person"}
    if "name" in agent:
        out["name"] = [agent["name"]]
    for prop in IFI_PROPERTIES:
        if prop in agent:
            out[prop] = [agent[prop]]
    return out

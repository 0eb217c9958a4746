"""Identity stitching against the world's truth: how many people the warehouse's customer_uids
split or merge.

The warehouse's ``intermediate.int_identity__customer_map`` maps every identifier the sources
show to a customer_uid. The world file knows the real person behind each identifier: core.people
(user_id, canonical email), core.devices (anonymous_id → person; a shared device belongs to
several people), and the SaaS projections in ``src_<tool>`` schemas (HubSpot contacts with their
merged duplicates, Stripe customers, Zendesk ticket requesters). Both files are opened read-only.

Definitions (the figures ``identity_quality`` returns):

- a *known* identifier is a map row the world can attribute to at least one person; an
  *ambiguous* one to more than one (a shared device's anonymous_id);
- *true people*: persons with at least one identifier present in the warehouse's staging sources
  (i.e. in the map) — the number of customers a perfect stitcher would output for them;
- a *split* person has unambiguous identifiers under more than one customer_uid;
- a *merged* uid holds unambiguous identifiers of more than one person (``merged_uids``);
  ``merged_uids_all`` also counts a shared device's second owner as a person of the uid;
- ``uid_ratio`` = customer_uids of known people ÷ true people (1.0 would need every person's
  devices to be tied together, which the sources cannot do: a device used only before signup,
  or by someone who never identifies, carries nothing but its anonymous_id);
- *resolvable people*: the pieces a perfect deterministic stitcher could produce from the same
  evidence — connected components of each person's identifiers, joined only where a source
  record shows two of that person's identifiers together (int_identity__observations), counted
  where they hold an unambiguous identifier.
  ``uid_error`` = (customer_uids over unambiguous identifiers − resolvable) ÷ resolvable is the
  stitcher's own error: negative when it merges people, positive when it splits evidence;
  ``split_pieces_resolvable`` counts resolvable pieces the map split, ``merged_pieces`` those
  it put under a uid with another person's piece;
- *identified people*: persons with an identifier other than a browser's anonymous_id in the
  map (email, product user id, HubSpot/Stripe/Zendesk record) — the people analysts look up;
  ``identified_uids`` counts customer_uids holding such an identifier, ``identified_ratio``
  their ratio (1.0 = every known person is exactly one customer), ``split_identified_people``
  known people whose named identifiers sit under more than one uid;
- ``components_verified``: the map's uids are exactly the connected components of
  int_identity__nodes/edges, each named by its smallest node_id (checked with a union-find
  here, independent of the recursive CTE).

Run: ``python -m bench.identity_quality WAREHOUSE WORLD`` (prints one JSON object).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import duckdb

# Identifier → person, from the world's own tables (identifier types as the map spells them).
_TRUTH_SQL = """
create temp table truth as
select distinct identifier_type, identifier, person_id
from (
    select 'anonymous_id' as identifier_type, anonymous_id as identifier, person_id
    from world.core.devices
    union all
    select 'user_id', user_id, person_id from world.core.people where user_id is not null
    union all
    select 'email', lower(trim(email)), person_id from world.core.people
    union all
    select 'email', lower(trim(email)), person_id from world.src_hubspot.contacts
    union all
    select 'hubspot_contact_id', cast(id as varchar), person_id from world.src_hubspot.contacts
    union all
    select 'email', lower(trim(email)), person_id from world.src_stripe.customers
    union all
    select 'stripe_customer_id', id, person_id from world.src_stripe.customers
    union all
    select 'zendesk_user_id', cast(t.requester_id as varchar), c.person_id
    from world.src_zendesk.tickets as t
    join world.core.tickets as c on c.ticket_id = t.id
) as all_ids
where identifier is not null
"""

_MAPPED_SQL = """
create temp table mapped as
select
    m.customer_uid,
    m.identifier_type,
    m.identifier,
    t.person_id,
    count(t.person_id) over (partition by m.identifier_type, m.identifier) as persons,
from intermediate.int_identity__customer_map as m
left join truth as t using (identifier_type, identifier)
"""


class _UnionFind:
    """Disjoint sets over hashable keys (path halving, union by attaching to the smaller key)."""

    def __init__(self) -> None:
        self.parent: dict[Any, Any] = {}

    def find(self, key: Any) -> Any:
        parent = self.parent.setdefault(key, key)
        while parent != key:
            grand = self.parent[parent]
            self.parent[key] = grand
            key, parent = parent, self.parent.setdefault(grand, grand)
        return key

    def union(self, a: Any, b: Any) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            low, high = sorted((root_a, root_b))
            self.parent[high] = low


def _resolvable(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Evidence components of single persons, compared with the map's uids.

    Nodes are (person, identifier): a shared device's anonymous_id is a node for each of its
    people. A record showing identifiers x and y together joins (p, x) and (p, y) for each
    person p owning both, so a shared device links each owner only to their own identifiers.
    Pieces are compared with the map through their unambiguous identifiers (a piece made of a
    shared device alone has none: its one uid cannot be right for both owners)."""
    rows = con.execute(
        "select identifier_type, identifier, person_id, customer_uid, persons from mapped "
        "where person_id is not null"
    ).fetchall()
    owners: dict[tuple[str, str], set[int]] = {}
    uid: dict[tuple[str, str], str] = {}
    for id_type, identifier, person_id, customer_uid, _ in rows:
        owners.setdefault((id_type, identifier), set()).add(person_id)
        uid[(id_type, identifier)] = customer_uid
    pairs = con.execute(
        """select a.identifier_type, a.identifier, b.identifier_type, b.identifier
        from intermediate.int_identity__observations as a
        join intermediate.int_identity__observations as b
            on a.record_key = b.record_key and a.node_id < b.node_id"""
    ).fetchall()
    pieces = _UnionFind()
    for key, persons in owners.items():
        for person_id in persons:
            pieces.find((person_id, key))
    cross = 0
    for type_a, id_a, type_b, id_b in pairs:
        a, b = (type_a, id_a), (type_b, id_b)
        shared = owners.get(a, set()) & owners.get(b, set())
        for person_id in shared:
            pieces.union((person_id, a), (person_id, b))
        if a in owners and b in owners and not shared:
            cross += 1
    piece_uids: dict[Any, set[str]] = {}
    uid_persons: dict[str, set[int]] = {}
    for key, persons in owners.items():
        if len(persons) == 1:
            (person_id,) = persons
            root = pieces.find((person_id, key))
            piece_uids.setdefault(root, set()).add(uid[key])
            uid_persons.setdefault(uid[key], set()).add(person_id)
    merged = {
        root for root, uids in piece_uids.items() if any(len(uid_persons[u]) > 1 for u in uids)
    }
    return {
        "resolvable_people": len(piece_uids),
        "customer_uids_unambiguous": len(uid_persons),
        "split_pieces_resolvable": sum(len(u) > 1 for u in piece_uids.values()),
        "merged_pieces": len(merged),
        "cross_person_evidence_pairs": cross,
    }


def _components_verified(con: duckdb.DuckDBPyConnection) -> bool:
    """True when the map is exactly the connected components of the graph, named by the
    smallest node_id: recomputed here with a union-find over the same nodes and edges."""
    components = _UnionFind()
    for (node_id,) in con.execute(
        "select node_id from intermediate.int_identity__nodes"
    ).fetchall():
        components.find(node_id)
    for a, b in con.execute(
        "select node_a_id, node_b_id from intermediate.int_identity__edges"
    ).fetchall():
        components.union(a, b)
    mapped = con.execute(
        """select n.node_id, m.customer_uid
        from intermediate.int_identity__nodes as n
        join intermediate.int_identity__customer_map as m using (identifier_type, identifier)"""
    ).fetchall()
    # The union-find's root is the smallest key of each set, i.e. the expected customer_uid.
    return len(mapped) == len(components.parent) and all(
        components.find(node_id) == customer_uid for node_id, customer_uid in mapped
    )


def _one(con: duckdb.DuckDBPyConnection, sql: str) -> Any:
    return con.execute(sql).fetchone()[0]


def identity_quality(warehouse_path: str | Path, world_path: str | Path) -> dict[str, Any]:
    """Split/merge figures of the warehouse's identity map against the world's truth."""
    con = duckdb.connect(str(warehouse_path), read_only=True)
    try:
        con.execute(f"attach '{Path(world_path)}' as world (read_only)")
        con.execute(_TRUTH_SQL)
        con.execute(_MAPPED_SQL)
        unambiguous = "persons = 1"
        figures: dict[str, Any] = {
            "identifiers": _one(
                con, "select count(distinct (identifier_type, identifier)) from mapped"
            ),
            "identifiers_unknown": _one(con, "select count(*) from mapped where person_id is null"),
            "identifiers_ambiguous": _one(
                con,
                "select count(distinct (identifier_type, identifier)) from mapped "
                "where persons > 1",
            ),
            "customer_uids": _one(con, "select count(distinct customer_uid) from mapped"),
            "customer_uids_known": _one(
                con, "select count(distinct customer_uid) from mapped where person_id is not null"
            ),
            "true_people": _one(con, "select count(distinct person_id) from mapped"),
            "split_people": _one(
                con,
                f"""select count(*) from (
                    select person_id from mapped where {unambiguous}
                    group by person_id having count(distinct customer_uid) > 1)""",
            ),
            "merged_uids": _one(
                con,
                f"""select count(*) from (
                    select customer_uid from mapped where {unambiguous}
                    group by customer_uid having count(distinct person_id) > 1)""",
            ),
            "people_in_merged_uids": _one(
                con,
                f"""with merged as (
                    select customer_uid from mapped where {unambiguous}
                    group by customer_uid having count(distinct person_id) > 1)
                select count(distinct person_id) from mapped
                where {unambiguous} and customer_uid in (select customer_uid from merged)""",
            ),
            "merged_uids_all": _one(
                con,
                """select count(*) from (
                    select customer_uid from mapped where person_id is not null
                    group by customer_uid having count(distinct person_id) > 1)""",
            ),
            # Identified: the people a CDP's user looks up (an email, account or SaaS record,
            # not just a browser). Anonymous-only pieces are visitors no record can name.
            "true_identified_people": _one(
                con,
                f"""select count(distinct person_id) from mapped
                where {unambiguous} and identifier_type <> 'anonymous_id'""",
            ),
            "identified_uids": _one(
                con,
                """select count(distinct customer_uid) from mapped
                where identifier_type <> 'anonymous_id'""",
            ),
            "split_identified_people": _one(
                con,
                f"""select count(*) from (
                    select person_id from mapped
                    where {unambiguous} and identifier_type <> 'anonymous_id'
                    group by person_id having count(distinct customer_uid) > 1)""",
            ),
        }
        figures.update(_resolvable(con))
        figures["components_verified"] = _components_verified(con)
    finally:
        con.close()
    true_people = figures["true_people"]
    figures["uid_ratio"] = (
        round(figures["customer_uids_known"] / true_people, 4) if true_people else None
    )
    figures["split_share"] = (
        round(figures["split_people"] / true_people, 4) if true_people else None
    )
    figures["merged_share"] = (
        round(figures["people_in_merged_uids"] / true_people, 4) if true_people else None
    )
    identified = figures["true_identified_people"]
    figures["identified_ratio"] = (
        round(figures["identified_uids"] / identified, 4) if identified else None
    )
    resolvable = figures["resolvable_people"]
    figures["uid_error"] = (
        round((figures["customer_uids_unambiguous"] - resolvable) / resolvable, 4)
        if resolvable
        else None
    )
    return figures


def main(argv: list[str] | None = None) -> None:
    """Print the figures for a warehouse and its world as one JSON object."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        raise SystemExit("usage: python -m bench.identity_quality WAREHOUSE_PATH WORLD_PATH")
    print(json.dumps(identity_quality(args[0], args[1]), indent=2))


if __name__ == "__main__":
    main()

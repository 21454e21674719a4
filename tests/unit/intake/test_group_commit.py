"""The group commit answers each member only after its batch committed, and isolates a failing member."""

import asyncio
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import pytest

from services.intake.store.group_commit import GroupCommit


class FakeDatabase:
    """Transactions as lists: committed when the block ends cleanly, dropped when it raises."""

    def __init__(self) -> None:
        self.committed: list[list[str]] = []

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[list[str]]:
        written: list[str] = []
        yield written
        await asyncio.sleep(0.01)  # a commit takes time: nobody may be answered before it ends
        self.committed.append(written)

    async def transact(self, members: Sequence[str]) -> list[str | BaseException]:
        async with self.begin() as transaction:
            return await write(transaction, members)

    def rows(self) -> list[str]:
        return [row for transaction in self.committed for row in transaction]


async def write(transaction: list[str], members: Sequence[str]) -> list[str | BaseException]:
    outcomes: list[str | BaseException] = []
    for member in members:
        if member == "poison":
            raise RuntimeError("this member breaks the transaction")
        if member == "refused":
            outcomes.append(ValueError("refused on its own"))
            continue
        transaction.append(member)
        outcomes.append(f"written {member}")
    return outcomes


@pytest.fixture
async def database_and_commit() -> AsyncIterator[tuple[FakeDatabase, GroupCommit[str, str]]]:
    database = FakeDatabase()
    commits = GroupCommit(transact=database.transact, on_commit=lambda: None)
    await commits.start()
    yield database, commits
    await commits.stop()


async def test_concurrent_members_are_committed_in_one_transaction_and_answered_after_it(database_and_commit) -> None:
    database, commits = database_and_commit

    async def submit(member: str) -> tuple[str, list[str]]:
        answer = await commits.submit(member)
        return answer, database.rows()  # what was committed when this member got its answer

    results = await asyncio.gather(*(submit(f"m{n}") for n in range(5)))

    assert [answer for answer, _ in results] == [f"written m{n}" for n in range(5)]
    assert all(f"m{n}" in committed for n, (_, committed) in enumerate(results))
    assert database.committed == [[f"m{n}" for n in range(5)]]


async def test_a_member_that_breaks_the_batch_gets_its_error_and_the_others_are_committed(database_and_commit) -> None:
    database, commits = database_and_commit

    results = await asyncio.gather(*(commits.submit(m) for m in ("a", "poison", "c")), return_exceptions=True)

    assert results[0] == "written a" and results[2] == "written c"
    assert isinstance(results[1], RuntimeError)
    assert sorted(database.rows()) == ["a", "c"]


async def test_a_member_refused_by_the_writer_fails_alone_within_the_committed_batch(database_and_commit) -> None:
    database, commits = database_and_commit

    results = await asyncio.gather(*(commits.submit(m) for m in ("a", "refused", "c")), return_exceptions=True)

    assert results[0] == "written a" and results[2] == "written c"
    assert isinstance(results[1], ValueError)
    assert database.committed == [["a", "c"]]


async def test_members_queued_when_the_writer_stops_are_written_before_it_ends() -> None:
    database = FakeDatabase()
    commits = GroupCommit(transact=database.transact, on_commit=lambda: None)
    await commits.start()
    waiting = [asyncio.create_task(commits.submit(f"m{n}")) for n in range(3)]
    await asyncio.sleep(0)  # queued, not yet written

    await commits.stop()

    assert await asyncio.gather(*waiting) == ["written m0", "written m1", "written m2"]
    assert database.rows() == ["m0", "m1", "m2"]

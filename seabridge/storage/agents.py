"""Agent accounts (owner, admin, agent) and their login sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from seabridge import security
from seabridge.db.models import Agent, AgentSession

ROLES = ("owner", "admin", "agent")


async def create_agent(
    session: AsyncSession,
    store_id: int,
    *,
    email: str,
    name: str,
    role: str,
    password: str,
    language: str = "en",
) -> Agent:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    agent = Agent(
        store_id=store_id,
        email=email.strip().lower(),
        name=name,
        role=role,
        language=language,
        password_hash=security.hash_password(password),
        created_at=datetime.now(UTC),
        disabled_at=None,
    )
    session.add(agent)
    await session.flush()
    return agent


async def get_by_email(session: AsyncSession, store_id: int, email: str) -> Agent | None:
    return await session.scalar(select(Agent).where(Agent.store_id == store_id, Agent.email == email.strip().lower()))


async def get_agent(session: AsyncSession, store_id: int, agent_id: int) -> Agent | None:
    return await session.scalar(select(Agent).where(Agent.store_id == store_id, Agent.id == agent_id))


async def list_agents(session: AsyncSession, store_id: int) -> list[Agent]:
    return list(await session.scalars(select(Agent).where(Agent.store_id == store_id).order_by(Agent.id)))


async def start_session(session: AsyncSession, agent: Agent, hours: int) -> tuple[str, datetime]:
    token = security.new_session_token()
    now = datetime.now(UTC)
    expires = now + timedelta(hours=hours)
    session.add(
        AgentSession(
            token_hash=security.digest(token),
            agent_id=agent.id,
            store_id=agent.store_id,
            created_at=now,
            expires_at=expires,
        )
    )
    await session.flush()
    return token, expires


async def find_session(session: AsyncSession, token: str) -> tuple[AgentSession, Agent] | None:
    row = await session.get(AgentSession, security.digest(token))
    if row is None or row.expires_at < datetime.now(UTC):
        return None
    agent = await session.get(Agent, row.agent_id)
    if agent is None or agent.disabled_at is not None:
        return None
    return row, agent


async def end_session(session: AsyncSession, token: str) -> None:
    await session.execute(delete(AgentSession).where(AgentSession.token_hash == security.digest(token)))

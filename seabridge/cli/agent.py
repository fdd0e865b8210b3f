"""`seabridge agent ...`: agent accounts for the console and the API."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from seabridge.cli.common import DataDir, StoreSlug, console, load_settings, run, with_state

if TYPE_CHECKING:
    from seabridge.state import AppState

app = typer.Typer(
    help="Agent accounts (owner, admin, agent) who log in to the console and API.",
    no_args_is_help=True,
)


@app.command(
    "create",
    help="Create an agent account. Prompts for the password when not given.\n\n"
    "Example:  seabridge agent create --store my-shop --email li@my-shop.example --name 'Li Wei' --role admin",
)
def create(
    store: StoreSlug,
    email: Annotated[str, typer.Option(help="Login e-mail.")],
    name: Annotated[str, typer.Option(help="Name shown to buyers and colleagues.")],
    role: Annotated[str, typer.Option(help="owner, admin or agent.")] = "agent",
    language: Annotated[str, typer.Option(help="The agent's working language (en, zh, ...).")] = "en",
    password: Annotated[
        str | None,
        typer.Option(help="At least 10 characters; prompted when omitted.", show_default=False),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    from seabridge.storage import agents, stores

    if role not in agents.ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(agents.ROLES)}", param_hint="--role")
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        raise typer.BadParameter("use at least 10 characters", param_hint="--password")

    async def work(state: AppState) -> int:
        async with state.sessions() as session, session.begin():
            found = await stores.get_by_slug(session, store)
            if found is None:
                raise typer.BadParameter(f"no store with slug {store!r}; see `seabridge store list`")
            if await agents.get_by_email(session, found.id, email):
                raise typer.BadParameter(f"{email} already has an account in this store", param_hint="--email")
            agent = await agents.create_agent(
                session,
                found.id,
                email=email,
                name=name,
                role=role,
                password=password,
                language=language,
            )
            return agent.id

    agent_id = run(with_state(load_settings(data_dir), work))
    console.print(f"Created agent {agent_id} ({role}).")

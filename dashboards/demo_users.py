"""Demo users for `make demo`: one per role with a fresh random password, written to a text file and printed.

python -m dashboards.demo_users --users data/demo/users.json --out data/demo/users-demo.txt
"""

from __future__ import annotations

import argparse
import secrets
from pathlib import Path

from dashboards import auth

DEMO_USERS = {"staff": "demo-staff", "reviewer": "demo-reviewer", "researcher": "demo-researcher"}


def create(users: Path, out: Path) -> dict[str, str]:
    passwords = {}
    for role, name in DEMO_USERS.items():
        passwords[name] = secrets.token_urlsafe(9)
        auth.add_user(users, name, role, passwords[name])
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text("".join(f"{role:<11} {name:<16} {passwords[name]}\n" for role, name in DEMO_USERS.items()))
    out.chmod(0o600)
    return passwords


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    passwords = create(args.users, args.out)
    print(f"demo users (also in {args.out}):")
    for role, name in DEMO_USERS.items():
        print(f"  {role:<11} user {name:<16} password {passwords[name]}")


if __name__ == "__main__":
    main()

"""python -m notify add|list|disable|test|run-due

    python -m notify add ACCOUNT --what digest --schedule '0 8 * * 1-5' --channel email --address a@b.cn
    python -m notify add ACCOUNT --what alert --rule critical_overdue --schedule '*/5 * * * *' \
        --channel wecom --address-stdin < wecom-webhook.txt
    python -m notify add ACCOUNT --what briefing --period month --schedule '0 9 1 * *' --channel dingtalk \
        --address-stdin --secret-stdin < dingtalk-webhook-and-secret.txt
    python -m notify list
    python -m notify disable ID
    python -m notify test ID
    python -m notify run-due

--address-stdin reads the address from the first line of standard input, so that a webhook URL, which holds
the robot's key, appears neither in the process list nor in the shell's history; --secret-stdin reads the
DingTalk signing secret from the next line. Messages are in DASHBOARD_LANG (zh or en).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

from sqlalchemy.exc import SQLAlchemyError

from data_access import subscriptions as subs
from data_access.subscriptions import SubscriptionError


def main(argv: list[str] | None = None) -> int:
    from data_access.config import database_url, default_language, exit_on_bad_settings
    from data_access.engine import make_engine

    exit_on_bad_settings()
    parser = argparse.ArgumentParser(prog="python -m notify", description="Digests, briefings and alerts.")
    parser.add_argument("--db", default=None, help="database URL (default: DATABASE_URL or var/dashboard.db)")
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="add a subscription")
    add.add_argument("account", help="the account whose scope decides the content")
    add.add_argument("--what", required=True, choices=subs.WHATS)
    add.add_argument("--schedule", required=True, help="five-field cron expression, Asia/Shanghai time")
    add.add_argument("--channel", required=True, choices=subs.CHANNELS)
    address = add.add_mutually_exclusive_group(required=True)
    address.add_argument("--address", help="e-mail address or robot webhook URL")
    address.add_argument("--address-stdin", action="store_true",
                         help="read the address from standard input (keeps a webhook key off the command line)")
    add.add_argument("--secret-stdin", action="store_true", help="read a DingTalk signing secret from standard input")
    add.add_argument("--lang", default="zh", choices=subs.LANGUAGES)
    add.add_argument("--rule", choices=subs.ALERT_RULES, help="alerts: the rule")
    add.add_argument("--repeat-minutes", type=int, help="alerts: repeat while it holds after this many minutes")
    add.add_argument("--period", choices=subs.BRIEFING_PERIODS, help="briefings: the current month, quarter or year")
    add.add_argument("--street", help="briefings: one street (default: the account's scope)")
    commands.add_parser("list", help="list the subscriptions and their latest delivery")
    disable = commands.add_parser("disable", help="disable a subscription")
    disable.add_argument("id", type=int)
    test = commands.add_parser("test", help="send a test message to a subscription's channel now")
    test.add_argument("id", type=int)
    commands.add_parser("run-due", help="send what is due (run every minute by the systemd timer)")
    args = parser.parse_args(argv)
    logging.getLogger("streamlit").setLevel(logging.ERROR)

    url = args.db or database_url()
    engine = make_engine(url)
    lang = default_language()
    previous = os.environ.get("DATABASE_URL")
    if args.db:
        os.environ["DATABASE_URL"] = args.db  # the briefing's cached page helpers read the same database
    try:
        return _command(args, engine, url, lang)
    finally:
        if args.db:
            if previous is None:
                os.environ.pop("DATABASE_URL", None)
            else:
                os.environ["DATABASE_URL"] = previous


def _command(args: argparse.Namespace, engine, url: str, lang: str) -> int:
    from catalogue.i18n import t
    from data_access.engine import describe_url
    from notify import channels, manage, runner

    try:
        if args.command == "add":
            params = {"lang": args.lang}
            if args.what == "alert":
                params["rule"] = args.rule
                if args.repeat_minutes is not None:
                    params["repeat_minutes"] = args.repeat_minutes
            elif args.rule or args.repeat_minutes is not None:
                raise SubscriptionError("subs.error.alert_only")
            if args.what == "briefing":
                params.update(period=args.period or "month", street=args.street)
            elif args.period or args.street:
                raise SubscriptionError("subs.error.briefing_only")
            address = sys.stdin.readline().strip() if args.address_stdin else args.address
            secret = sys.stdin.readline().strip() if args.secret_stdin else None
            new_id = manage.add(engine, args.account, args.what, args.schedule, args.channel, address, secret,
                                params, by="cli")
            print(f"added subscription {new_id}")
        elif args.command == "list":
            frame = manage.listing(engine, lang)
            frame["params"] = [" ".join(f"{k}={v}" for k, v in json.loads(p).items() if v is not None)
                               for p in frame["params"]]
            frame["last_attempts"] = frame["last_attempts"].astype("Int64")
            frame = frame.astype(object).where(frame.notna(), "—")  # no NaN or NaT before a first delivery
            print("no subscriptions" if frame.empty else frame.to_string(index=False))
        elif args.command == "disable":
            subs.disable_subscription(engine, args.id, by="cli")
            print(f"disabled subscription {args.id}")
        elif args.command == "test":
            sub = subs.get_subscription(engine, args.id)
            if sub is None:
                raise SubscriptionError("subs.error.not_found", id=args.id)
            print(f"test message sent to {runner.send_test(engine, sub)}")
        else:
            summary = runner.run_due(engine)
            for line in summary.lines:
                print(line)
            print(f"sent {summary.sent}, nothing to send {summary.skipped}, to retry {summary.retrying}, "
                  f"failed {summary.failed}, taken by another run {summary.taken_elsewhere}")
            return 1 if summary.failed else 0
    except SubscriptionError as exc:
        print(t("subs.refused", lang, reason=manage.error_text(exc, lang)), file=sys.stderr)
        return 2
    except channels.ChannelError as exc:
        print(t("subs.refused", lang, reason=str(exc)), file=sys.stderr)
        return 2
    except channels.DeliveryError as exc:
        print(f"not delivered: {exc}", file=sys.stderr)
        return 1
    except SQLAlchemyError as exc:
        print(f"database error at {describe_url(url)}: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 1
    return 0

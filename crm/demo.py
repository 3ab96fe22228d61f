"""Deterministic, realistic demo data: staff users and customers with their history.

Customers span three years and five languages and follow one of six buying
habits (loyal, occasional, lapsed, closed, reactivated, one-off), so every
retention metric has something to show. The same seed and day give the same
rows. Rows are written with bulk inserts in one transaction: the generator
itself keeps the rules the services keep (`customer_since` is never after the
first completed order, totals are Decimal in the account currency, phones
are E.164).
"""

import datetime
import random
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

import phonenumbers
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from crm import services
from crm.models import Customer, Interaction, Order, Tag
from crm.roles import ADMIN, MARKETING, SUPPORT, roles_sync


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str


# Demo-only credentials, printed by `make run`; seed_demo refuses to run in production.
DEMO_LOGINS = [
    DemoLogin("support", "support-demo-2026", SUPPORT),
    DemoLogin("marketing", "marketing-demo-2026", MARKETING),
    DemoLogin("admin", "admin-demo-2026", ADMIN),
]

# (female first names, female surnames, male first names, male surnames): Baltic, Polish and
# Russian surnames take the bearer's gender.
NAMES = {
    "lv": (
        ["Anna", "Līga", "Ilze", "Kristīne", "Zane", "Laura", "Inese", "Dace"],
        ["Bērziņa", "Kalniņa", "Ozola", "Liepiņa", "Krūmiņa", "Zariņa", "Kļaviņa", "Jansone"],
        ["Jānis", "Andris", "Mārtiņš", "Edgars", "Raimonds", "Kārlis", "Artūrs"],
        ["Bērziņš", "Kalniņš", "Ozols", "Liepiņš", "Balodis", "Vītols", "Eglītis", "Pētersons"],
    ),
    "lt": (
        ["Rūta", "Eglė", "Ieva", "Gintarė", "Aistė", "Indrė"],
        ["Kazlauskienė", "Petrauskaitė", "Vasiliauskienė", "Butkutė", "Urbonaitė", "Jankauskienė"],
        ["Tomas", "Mantas", "Lukas", "Darius", "Paulius", "Jonas"],
        ["Kazlauskas", "Jankauskas", "Stankevičius", "Žukauskas", "Paulauskas", "Navickas"],
    ),
    "pl": (
        ["Katarzyna", "Agnieszka", "Magdalena", "Joanna", "Aleksandra", "Zofia"],
        ["Nowak", "Kowalska", "Wiśniewska", "Wójcik", "Kamińska", "Zielińska", "Dąbrowska"],
        ["Piotr", "Tomasz", "Paweł", "Michał", "Łukasz", "Krzysztof"],
        ["Nowak", "Kowalski", "Wiśniewski", "Lewandowski", "Szymański", "Woźniak", "Kozłowski"],
    ),
    "ru": (
        ["Анна", "Елена", "Ольга", "Наталья", "Татьяна", "Мария"],
        ["Иванова", "Кузнецова", "Васильева", "Соколова", "Новикова", "Морозова"],
        ["Дмитрий", "Сергей", "Алексей", "Иван", "Михаил", "Андрей"],
        ["Смирнов", "Попов", "Петров", "Михайлов", "Фёдоров", "Волков"],
    ),
    "en": (
        ["Emma", "Sophie", "Charlotte", "Amelia", "Grace", "Emily"],
        ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Evans"],
        ["Oliver", "James", "Harry", "George", "Jack", "Thomas"],
        ["Smith", "Jones", "Taylor", "Brown", "Johnson", "Davies", "Walker"],
    ),
}
LANGUAGE_WEIGHTS = {"lv": 35, "lt": 15, "pl": 15, "ru": 15, "en": 20}
COUNTRIES = {"lv": ["LV"], "lt": ["LT"], "pl": ["PL"], "ru": ["LV", "LT"], "en": ["GB", "IE", "LV"]}
# Mobile numbers in formats phonenumbers accepts as valid, by country.
PHONE_FORMATS = {
    "LV": ("+3712", 7),
    "LT": ("+3706", 7),
    "PL": ("+486", 8),
    "GB": ("+4479", 8),
    "IE": ("+35387", 7),
}
CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)
COMPANIES = [
    "Baltic Timber",
    "Amber Foods",
    "Nordlight",
    "Riga Print",
    "Vilnius Tech",
    "Kaunas Logistics",
    "Warsaw Design",
    "Daugava Dairy",
]
TAGS = [
    ("VIP", "warning"),
    ("Newsletter", "info"),
    ("B2B", "primary"),
    ("Wholesale", "primary"),
    ("Complained", "danger"),
    ("Birthday club", "success"),
]
NOTES = [
    ("Asked about delivery times", "Customer asked when the next shipment to their area leaves."),
    ("Size exchange", "Exchanged for a larger size; customer happy with the quick answer."),
    ("Late parcel", "Parcel delayed by the courier. Offered a discount code on the next order."),
    ("Feedback on packaging", "Likes the new recyclable packaging, wants fewer leaflets."),
    ("Loyalty question", "Asked how points are counted for orders in the store."),
    ("Invoice copy", "Sent a copy of the last invoice by email."),
    ("Complaint: damaged item", "Item arrived damaged; replacement sent, photo on file."),
    ("Birthday offer", "Reminded about the birthday offer; will visit the store."),
]
# persona: (share, days between orders (min, max), AOV range)
PERSONAS = {
    "loyal": (25, (14, 45), (35, 120)),
    "occasional": (28, (60, 180), (25, 90)),
    "lapsed": (18, (30, 90), (20, 80)),
    "closed": (8, (30, 120), (30, 100)),
    "reactivated": (12, (30, 90), (25, 110)),
    "one_off": (9, (0, 0), (15, 70)),
}
HISTORY_DAYS = 3 * 365


def _ascii(text: str) -> str:
    text = "".join(CYRILLIC.get(ch, ch) for ch in text.lower())
    text = text.replace("ł", "l")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _at(day: datetime.date, rng: random.Random) -> datetime.datetime:
    """An aware moment between 08:00 and 22:00 business time on `day`."""
    moment = datetime.datetime.combine(day, datetime.time(8)) + datetime.timedelta(
        minutes=rng.randrange(14 * 60)
    )
    return min(timezone.make_aware(moment, timezone.get_default_timezone()), timezone.now())


def _phone(rng: random.Random, country: str) -> str:
    """A random mobile number that phonenumbers accepts as valid for the country."""
    prefix, digits = PHONE_FORMATS[country]
    while True:
        number = prefix + "".join(str(rng.randrange(10)) for _ in range(digits))
        if phonenumbers.is_valid_number(phonenumbers.parse(number)):
            return number


def demo_users_ensure() -> tuple[list[DemoLogin], list[str]]:
    """Create the demo staff users (one per role) if missing.

    Returns the logins that work and the usernames left alone: an existing
    account with another password is never given a demo role or password.
    """
    roles_sync()
    User = get_user_model()
    working, skipped = [], []
    for login in DEMO_LOGINS:
        user, created = User.objects.get_or_create(
            username=login.username,
            defaults={"email": f"{login.username}@example.com", "is_staff": login.role == ADMIN},
        )
        if created:
            user.set_password(login.password)
            user.save(update_fields=["password"])
        elif not user.check_password(login.password):
            skipped.append(login.username)
            continue
        user.groups.add(Group.objects.get(name=login.role))
        working.append(login)
    return working, skipped


def _order_days(
    rng: random.Random,
    persona: str,
    start: datetime.date,
    today: datetime.date,
    gaps: random.Random,
):
    """Order days for one customer, from `start` (the first order) up to today. The gaps
    between orders are exponential around the persona's typical gap (purchases arrive
    as a Poisson process, as real customers' do), drawn from their own stream `gaps`."""
    _, (gap_min, gap_max), _ = PERSONAS[persona]
    if persona == "one_off":
        return [start]
    if persona == "lapsed":
        end = today - datetime.timedelta(days=rng.randint(180, 540))
    elif persona == "closed":
        end = today - datetime.timedelta(days=rng.randint(60, 400))
    else:
        end = today
    days, day = [], start
    pause_done = False
    while day <= end:
        days.append(day)
        gap = max(1, round(gaps.expovariate(2 / (gap_min + gap_max))))
        if persona == "reactivated" and not pause_done and len(days) >= 3:
            gap, pause_done = rng.randint(200, 400), True
        day += datetime.timedelta(days=gap)
    return days


@transaction.atomic
def demo_data_create(*, customers: int, seed: int, today: datetime.date | None = None) -> dict:
    """Insert `customers` customers with orders and interactions; returns counts.

    Deterministic for a given seed and `today`. Meant for an empty database.
    """
    rng = random.Random(seed)
    born = random.Random(seed + 1)  # its own stream: the rest of the data stays as it was
    gaps = random.Random(seed + 2)  # likewise for the gaps between orders
    today = today or timezone.localdate(timezone=timezone.get_default_timezone())
    users, _skipped = demo_users_ensure()
    owners = list(
        get_user_model()
        .objects.filter(username__in=[u.username for u in users])
        .order_by("username")
    ) or [None]
    tags = {
        name: Tag.objects.get_or_create(name=name, defaults={"color": color})[0]
        for name, color in TAGS
    }
    personas = list(PERSONAS)
    persona_weights = [PERSONAS[p][0] for p in personas]
    languages = list(LANGUAGE_WEIGHTS)
    language_weights = list(LANGUAGE_WEIGHTS.values())
    channels = [c for c, _ in Order.Channel.choices]

    new_customers, plans = [], []
    for index in range(1, customers + 1):
        language = rng.choices(languages, language_weights)[0]
        female_first, female_last, male_first, male_last = NAMES[language]
        if rng.random() < 0.55:
            first, last = rng.choice(female_first), rng.choice(female_last)
        else:
            first, last = rng.choice(male_first), rng.choice(male_last)
        country = rng.choice(COUNTRIES[language])
        persona = rng.choices(personas, persona_weights)[0]
        latest_start = 120 if persona in ("loyal", "occasional") else 0
        if persona in ("lapsed", "closed", "reactivated"):
            latest_start = 700
        first_order = today - datetime.timedelta(days=rng.randint(latest_start + 1, HISTORY_DAYS))
        if persona == "reactivated":
            first_order = today - datetime.timedelta(days=rng.randint(500, HISTORY_DAYS))
        days = _order_days(rng, persona, first_order, today, gaps)
        signed_up = first_order - datetime.timedelta(days=rng.choice([0, 0, 0, 3, 10, 30]))
        closed_on = None
        if persona == "closed":
            closed_on = min(days[-1] + datetime.timedelta(days=rng.randint(10, 60)), today)
        since_at = _at(signed_up, rng)
        birthday = None
        if born.random() < 0.7:  # most customers tell their birthday
            birthday = datetime.date(
                born.randint(1950, 2005), born.randint(1, 12), born.randint(1, 28)
            )
        email_consent = rng.random() < 0.6
        sms_consent = rng.random() < 0.3
        new_customers.append(
            Customer(
                external_id=f"C-{index:06d}",
                first_name=first,
                last_name=last,
                email=f"{_ascii(first)}.{_ascii(last)}.{index}@example.com",
                phone=_phone(rng, country),
                company=rng.choice(COMPANIES) if rng.random() < 0.12 else "",
                language=language,
                country=country,
                customer_since=signed_up,
                birthday=birthday,
                closed_on=closed_on,
                owner=rng.choice(owners) if rng.random() < 0.3 else None,
                email_consent=email_consent,
                email_consent_at=since_at if email_consent else None,
                sms_consent=sms_consent,
                sms_consent_at=since_at if sms_consent else None,
                attributes={"persona": persona, "source": rng.choice(["web", "store", "referral"])},
            )
        )
        plans.append((persona, days))

    Customer.objects.bulk_create(new_customers, batch_size=500)
    created = list(
        Customer.objects.filter(external_id__in=[c.external_id for c in new_customers]).order_by(
            "external_id"
        )
    )

    orders, interactions, tag_links = [], [], []
    order_no = Order.objects.count()
    for customer, (persona, days) in zip(created, plans, strict=True):
        _, _, (aov_min, aov_max) = PERSONAS[persona]
        for day in days:
            order_no += 1
            roll = rng.random()
            status = (
                Order.Status.REFUNDED
                if roll < 0.04
                else Order.Status.CANCELLED
                if roll < 0.06
                else Order.Status.COMPLETED
            )
            total = Decimal(rng.randint(aov_min * 100, aov_max * 100)) / 100
            orders.append(
                Order(
                    external_id=f"O-{order_no:07d}",
                    customer=customer,
                    placed_at=_at(day, rng),
                    total=total.quantize(Decimal("0.01")),
                    currency=settings.CURRENCY,
                    status=status,
                    channel=rng.choices(channels, [50, 20, 20, 5, 5])[0],
                    item_count=rng.randint(1, 6),
                )
            )
        for _ in range(rng.choices([0, 1, 2, 3, 5], [30, 30, 20, 12, 8])[0]):
            subject, body = rng.choice(NOTES)
            day = rng.choice(days) + datetime.timedelta(days=rng.randint(0, 20))
            interactions.append(
                Interaction(
                    customer=customer,
                    kind=rng.choice(["note", "call", "email", "chat"]),
                    direction=rng.choice(["inbound", "outbound", "internal"]),
                    subject=subject,
                    body=body,
                    author=rng.choice(owners),
                    occurred_at=_at(min(day, today), rng),
                )
            )
        for name in rng.sample(list(tags), k=rng.choices([0, 1, 2], [55, 35, 10])[0]):
            tag_links.append(Customer.tags.through(customer_id=customer.pk, tag_id=tags[name].pk))
        if (
            persona == "loyal"
            and len(days) > 20
            and tags["VIP"].pk
            not in {link.tag_id for link in tag_links if link.customer_id == customer.pk}
        ):
            tag_links.append(Customer.tags.through(customer_id=customer.pk, tag_id=tags["VIP"].pk))

    Order.objects.bulk_create(orders, batch_size=1000)
    Interaction.objects.bulk_create(interactions, batch_size=1000)
    Customer.tags.through.objects.bulk_create(tag_links, batch_size=1000)
    services.customer_figures_refresh(customer_ids=[c.pk for c in created])
    _staff_changes(rng, created, owners)
    cases = _demo_cases(rng, created, owners)
    _demo_segments(tags, owners)
    return {
        "customers": len(created),
        "orders": len(orders),
        "interactions": len(interactions),
        "cases": cases,
    }


def _staff_changes(rng: random.Random, customers: list[Customer], staff: list) -> None:
    """A few edits by staff through the services, so the demo has a history of changes
    (profile timeline "Changes", the Admin's History page)."""
    from auditlog.context import set_actor

    from crm import services

    editors = [u for u in staff if u is not None and u.has_perm("crm.change_customer")]
    if not editors or not customers:
        return
    for customer in rng.sample(customers, k=min(12, len(customers))):
        editor = rng.choice(editors)
        with set_actor(editor, remote_addr="127.0.0.1"):
            services.customer_update(
                customer=customer,
                data={"owner": editor, "email_consent": not customer.email_consent},
            )
        refundable = customer.orders.filter(status=Order.Status.COMPLETED).first()
        admins = [u for u in editors if u.has_perm("crm.change_order")]
        if refundable is not None and admins and rng.random() < 0.3:
            with set_actor(admins[0], remote_addr="127.0.0.1"):
                services.order_status_set(order=refundable, status=Order.Status.REFUNDED)


CASE_STORIES = [
    ("Parcel never arrived", "Tracking has said 'in transit' for nine days.",
     "Sorry about this. I have asked the courier to trace it and will write tomorrow."),
    ("Wrong size delivered", "Ordered 38, got 40. Can I swap it?",
     "Of course: a free return label is on its way to your inbox."),
    ("Refund not received", "I returned the jacket two weeks ago and still no refund.",
     "The refund went out today; banks take 3 to 5 working days."),
    ("Discount code does not work", "WELCOME10 says 'expired' at checkout.",
     "That code ended on Sunday; here is a new one that works until the end of the month."),
    ("Invoice with company details", "Please reissue the invoice to our company.",
     "Done: the new invoice is attached."),
    ("Damaged item", "The mug arrived broken, photo attached.",
     "A replacement ships today; no need to send the broken one back."),
    ("Change delivery address", "Can you deliver to my office instead?",
     "Changed; the courier has the new address."),
    ("App login problem", "The app logs me out every time I open it.",
     "Please update the app to the latest version; the bug is fixed there."),
]  # fmt: skip


def _demo_cases(rng: random.Random, customers: list[Customer], staff: list) -> int:
    """Support cases through the services, in every status: new ones waiting (some
    overdue), open and pending ones with replies, resolved and closed ones; two team
    queues. Replies go by phone or chat so the demo emails nobody."""
    from auditlog.context import set_actor

    from crm import services
    from crm.models import Case, Team

    agents = [u for u in staff if u is not None and u.has_perm("crm.change_case")]
    if not agents or not customers:
        return 0
    front, billing = (
        Team.objects.get_or_create(name=name)[0] for name in ("Front line", "Billing")
    )
    front.members.add(*agents)
    billing.members.add(*[u for u in agents if u.is_staff])
    now = timezone.now()
    plans = ["new"] * 5 + ["overdue"] * 4 + ["open"] * 6 + ["pending"] * 4
    plans += ["resolved"] * 5 + ["closed"] * 8
    count = 0
    picked = rng.sample(customers, k=min(len(plans), len(customers)))
    for plan, customer in zip(plans[: len(picked)], picked, strict=True):
        subject, description, answer = rng.choice(CASE_STORIES)
        agent = rng.choice(agents)
        days_ago = {"new": 0.1, "overdue": rng.uniform(4, 9), "closed": rng.uniform(12, 40)}
        opened_at = now - datetime.timedelta(days=days_ago.get(plan, rng.uniform(1.5, 6)))
        priority = rng.choices(["low", "normal", "high", "urgent"], [15, 55, 22, 8])[0]
        if plan == "overdue":
            priority = rng.choice(["normal", "high"])
        with set_actor(agent, remote_addr="127.0.0.1"):
            case = services.case_open(
                customer=customer,
                subject=subject,
                description=description,
                priority=priority,
                source=rng.choice(["email", "phone", "chat", "manual"]),
                team=billing
                if "refund" in subject.lower() or "invoice" in subject.lower()
                else front,
                assignee=None if plan in ("new", "overdue") else agent,
                opened_by=agent,
                opened_at=opened_at,
            )
            count += 1
            if plan in ("new", "overdue"):
                continue
            step = opened_at + datetime.timedelta(hours=rng.uniform(0.5, 20))
            services.case_comment_add(
                case=case, author=agent, kind="note", body="Checked the order history.", at=step
            )
            step += datetime.timedelta(minutes=rng.randint(5, 90))
            then = {"pending": Case.Status.PENDING, "resolved": Case.Status.RESOLVED}.get(plan)
            if plan == "closed":
                then = Case.Status.RESOLVED
            services.case_comment_add(
                case=case, author=agent, kind="reply", body=answer,
                channel=rng.choice(["call", "chat"]), status=then, at=step,
            )  # fmt: skip
            if plan == "closed":
                services.case_status_set(
                    case=case, status=Case.Status.CLOSED, at=step + datetime.timedelta(days=7)
                )
    return count


def _demo_segments(tags: dict, staff: list) -> None:
    """The segments a retention team starts with, through the service."""
    from crm import services
    from crm.models import Segment

    author = next((u for u in staff if u is not None and u.has_perm("crm.add_segment")), None)
    examples = [
        ("Lapsed VIPs", "VIP customers who have gone quiet: call them first.", True, {
            "match": "all", "conditions": [
                {"type": "status", "op": "in", "value": ["lapsed"]},
                {"type": "tag", "op": "has_any", "value": [str(tags["VIP"].pk)]}]}),
        ("Bought once, 60 to 120 days ago", "One order, and the second has not come.", True, {
            "match": "all", "conditions": [
                {"type": "order_count", "op": "eq", "value": 1},
                {"type": "first_order", "op": "between_days_ago", "value": [60, 120]}]}),
        ("Big spenders this year", "At least 3 orders or 500 of revenue in 12 months.", False, {
            "match": "any", "conditions": [
                {"type": "order_count", "op": "gte", "value": 3, "window_days": 365},
                {"type": "revenue", "op": "gte", "value": "500.00", "window_days": 365}]}),
    ]  # fmt: skip
    for name, description, tracked, rule in examples:
        if not Segment.objects.filter(name__iexact=name).exists():
            services.segment_create(
                name=name, description=description, tracked=tracked, rule=rule, author=author
            )

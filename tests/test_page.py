"""dist/index.html in a real browser: headless Chromium (Debian's package) driven by Playwright.

The page is loaded from a fresh build (file://), under its own Content-Security-Policy. Its links,
statement and commands are compared with what the CLI prints for the same inputs. Screenshots at
desktop and phone widths go to test-artifacts/ (gitignored), never into dist/.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import json
import os
import random
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote

import hcl2
import pytest
from cmek import cli, model
from cmek.config import Config
from cmek.gcp import snippet as gcp_snippet
from cmek.render import links, page

CHROMIUM = "/usr/bin/chromium"
INSTALL = "apt-get update && apt-get install -y chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CMEK = Path(sys.executable).with_name("cmek")
# Roles in a ClickHouse-like account other than the v1 one; the last uses every symbol the
# pattern allows in a role name, and a path.
ROLES = (
    "arn:aws:iam::987654321098:role/clickhouse-enc-role-abc123",
    "arn:aws:iam::210987654321:role/service/enc+key=1,v.2@x_y-z",
)
REGIONS = ("eu-west-1", "ap-southeast-2", "us-east-1")
BAD_ROLES = {
    "not-an-arn": "not an ARN",
    "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab": "not of an IAM",
    "arn:aws:iam::111122223333:user/alice": "IAM user",
    "arn:aws:iam::12345:role/x": "12 digits",
    "arn:aws:iam::111122223333:role/has space": "role name",
    "arn:aws-cn:iam::111122223333:role/x": "partition aws-cn",
    "arn:aws:iam::111122223333:role/prod-kms-request-role": "account 111122223333",
}
# Google Cloud: a user-managed and a Google-managed service account, and keys with every symbol
# the names allow (a multi-region location, `_` and `-` in the names, upper case in the key's).
GCP_EMAILS = (
    "encryption-sa@ch-prod-eu.iam.gserviceaccount.com",
    "service-123456789012@gcp-sa-cloudkms.iam.gserviceaccount.com",
)
GCP_KEYS = (
    "projects/acme-data-1/locations/europe-west4/keyRings/clickhouse/cryptoKeys/tde_key-1",
    "projects/p-12345/locations/us/keyRings/Ring_A-9/cryptoKeys/K",
)
BAD_GCP_EMAILS = {
    "alice": "not an e-mail",
    f"serviceAccount:{GCP_EMAILS[0]}": "without serviceAccount:",
    "Encryption-SA@ch-prod-eu.iam.gserviceaccount.com": "lower case",
    "alice@example.com": "not a service account",
    "-sa@ch-prod-eu.iam.gserviceaccount.com": "before @",
}
BAD_GCP_KEYS = {
    "clickhouse-cmek": "not a key's resource path",
    "projects/acme-data-1/locations/europe-west4/keyRings/clickhouse": "key ring, not a key",
    f"{GCP_KEYS[0]}/cryptoKeyVersions/1": "remove /cryptoKeyVersions/1",
    f"//cloudkms.googleapis.com/{GCP_KEYS[0]}": "remove what comes before",
    GCP_KEYS[0].replace("keyRings", "keyrings"): "must read keyRings/",
    GCP_KEYS[0].replace("acme-data-1", "123456789012"): "project ID",
    GCP_KEYS[0].replace("europe-west4", "Europe-West4"): "location",
    GCP_KEYS[0].replace("tde_key-1", "tde key"): "names may hold only",
}


# --- Fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium; in CI (CI=true) a missing browser fails, locally it skips."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package (pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        _missing(f"{CHROMIUM} ({INSTALL})")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests need {what}")
    pytest.skip(f"browser tests need {what}")


class Loaded:
    """A page with every console error, page error and CSP violation it reported."""

    def __init__(self, context: object, url: str) -> None:
        self.problems: list[str] = []
        self.page = context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.problems.append(f"pageerror: {exc}"))
        # Runs before the page's own script (through the DevTools protocol, not under the CSP).
        self.page.add_init_script(
            "document.addEventListener('securitypolicyviolation', e => "
            "console.error('CSP violation: ' + e.violatedDirective));"
        )
        self.page.goto(url)

    def _console(self, message: object) -> None:
        if message.type in ("error", "warning"):
            self.problems.append(f"{message.type}: {message.text}")

    def hrefs(self, profile: str) -> list[str]:
        return self.page.eval_on_selector_all(
            f"#{profile}-form a[data-link]", "els => els.map(e => e.href)"
        )

    def set_role(self, profile: str, value: str) -> None:
        self.page.fill(f"#{profile}-role", value)

    def message(self, profile: str) -> str:
        return self.page.text_content(f"#{profile}-role-msg") or ""


@pytest.fixture
def context(browser: object) -> Iterator[object]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    ctx.grant_permissions(["clipboard-read", "clipboard-write"])
    yield ctx
    ctx.close()


@pytest.fixture
def loaded(context: object, built: Path) -> Iterator[Loaded]:
    """The built page, loaded; afterwards it must have reported no error and no CSP violation."""
    result = Loaded(context, (built / model.PAGE_FILE).as_uri())
    assert result.page.get_attribute("html", "data-ready") == "true"
    yield result
    assert result.problems == []


def cli_out(*args: str) -> str:
    """The real `cmek` command's stdout (exit 0 required)."""
    done = subprocess.run([str(CMEK), *args], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def expected_links(profile: model.Profile, region: str, role: str) -> list[str]:
    """`cmek links --profile P --region R [--principal ROLE]`, through the same functions."""
    config = dataclasses.replace(Config(), regions=(region,))
    if role and profile.principal is not None:
        config = dataclasses.replace(config, profile=profile, principal=role)
        inputs = links.StackInputs()
    else:
        inputs = links.StackInputs(encryption_role_arn=role)
    return [link.url for link in links.links(config, inputs, profile)]


# --- The file itself -----------------------------------------------------------------------------
class _Inline(HTMLParser):
    """Inline <script> (executable ones) and <style> texts, the CSP meta, and external refs."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.csp = ""
        self.external: list[str] = []
        self._into: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy":
            self.csp = a["content"] or ""
        if tag == "script" and a.get("type") is None:
            self._into = self.scripts
        elif tag == "style":
            self._into = self.styles
        if tag in ("link", "img", "iframe", "object", "embed") or "src" in a or "style" in a:
            self.external.append(tag)
        if self._into is not None:
            self._into.append("")

    def handle_endtag(self, tag: str) -> None:
        self._into = None

    def handle_data(self, data: str) -> None:
        if self._into is not None:
            self._into[-1] += data


def test_csp_allows_exactly_the_inline_script_and_style_by_their_sha256(built: Path) -> None:
    parsed = _Inline()
    parsed.feed((built / model.PAGE_FILE).read_text(encoding="utf-8"))
    assert len(parsed.scripts) == 1 and len(parsed.styles) == 1
    directives = dict(d.strip().split(" ", 1) for d in parsed.csp.split(";"))

    def sha(text: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"

    assert directives["script-src"] == sha(parsed.scripts[0])
    assert directives["style-src"] == sha(parsed.styles[0])
    assert directives["default-src"] == "'none'"
    assert parsed.external == []
    assert "url(" not in parsed.styles[0] and "@import" not in parsed.styles[0]


def test_page_lists_every_other_files_sha256_as_the_manifest_does(built: Path) -> None:
    entries = json.loads((built / model.MANIFEST_FILE).read_text())["files"]
    manifest = {e["path"]: e for e in entries}
    html = (built / model.PAGE_FILE).read_text(encoding="utf-8")
    listed = dict(re.findall(r'<dt><a href="[^"]+">([^<]+)</a></dt><dd><code>([0-9a-f]{64})', html))
    assert listed == {p: e["sha256"] for p, e in manifest.items() if p != model.PAGE_FILE}
    # The page's own entry is the hash of the file as written (it was rendered last but one).
    data = (built / model.PAGE_FILE).read_bytes()
    assert manifest[model.PAGE_FILE]["sha256"] == hashlib.sha256(data).hexdigest()
    assert f"cmek {model.VERSION}" in html


# --- In the browser ------------------------------------------------------------------------------
def test_script_runs_under_the_csp_with_no_error_or_violation(loaded: Loaded) -> None:
    for profile in ("v2", "gcp", "v1"):
        assert loaded.page.is_visible(f"#{profile}-form")
    # A fresh page shows `cmek links` with no principal: v2 without a role, v1 with its own.
    assert loaded.hrefs("v2") == expected_links(model.V2, page.DEFAULT_REGION, "")
    assert loaded.hrefs("v1") == expected_links(model.V1, page.DEFAULT_REGION, model.V1.principal)


def test_a_changed_script_or_style_is_blocked_by_the_csp(
    context: object, built: Path, tmp_path: Path
) -> None:
    """The negative control: the CSP is enforced, and the hashes are what let the page run."""
    html = (built / model.PAGE_FILE).read_text(encoding="utf-8")
    for old, new, directive in (
        ("<script>(function", "<script> (function", "script-src"),
        ("<style>:root", "<style> :root", "style-src"),
    ):
        changed = tmp_path / f"{directive}.html"
        changed.write_text(html.replace(old, new, 1), encoding="utf-8")
        loaded = Loaded(context, changed.as_uri())
        blocked = f"Content Security Policy directive '{directive} "
        assert any(blocked in p for p in loaded.problems), loaded.problems
        ready = loaded.page.get_attribute("html", "data-ready")
        assert ready == (None if directive == "script-src" else "true")


def test_the_role_pattern_reads_the_same_in_javascript(loaded: Loaded) -> None:
    rng = random.Random(9)
    alphabet = "arnwsiudolec:/-+=,.@_ 0123456789ABZ*!\n"
    valid = "arn:aws:iam::111122223333:role/"
    samples = [valid + "x" * n for n in (0, 1, 511, 512, 513)]
    samples += [valid + "a\n", "x" + valid + "a", valid.upper() + "a", valid[:-5] + "/a"]
    for _ in range(1500):
        text = list(rng.choice((valid + "name", "arn:aws-cn:iam::123456789012:role/a/b")))
        for _ in range(rng.randint(0, 3)):
            text.insert(rng.randint(0, len(text)), rng.choice(alphabet))
            if rng.random() < 0.5:
                del text[rng.randrange(len(text))]
        samples.append("".join(text))
    in_js = loaded.page.evaluate("s => s.map(window.cmekPage.matches)", samples)
    in_python = [bool(re.fullmatch(model.ROLE_ARN_PATTERN, s)) for s in samples]
    assert in_js == in_python
    assert 100 < sum(in_python) < len(samples) - 100


def test_the_url_encoding_equals_pythons_quote_for_every_character(loaded: Loaded) -> None:
    chars = [chr(c) for c in range(0x20, 0x7F)] + ["é", "€", "😀", "\t"]
    samples = [*chars, "".join(chars), "arn:aws:iam::1:role/a+b=c,d.e@f_g/h-i"]
    in_js = loaded.page.evaluate("s => s.map(window.cmekPage.quote)", samples)
    assert in_js == [quote(s, safe=":/,") for s in samples]


def test_the_page_refuses_exactly_what_the_cli_refuses_and_says_why(loaded: Loaded) -> None:
    values = [*BAD_ROLES, *ROLES, model.V1.principal]
    for profile in (model.V2, model.V1):
        js = loaded.page.evaluate(
            "([p, vs]) => vs.map(v => window.cmekPage.problem(p, v))", [profile.name, values]
        )
        for value, why in zip(values, js, strict=True):
            code = cli.main(["links", "--cmek-version", profile.name, "--principal", value])
            assert (why == "") == (code == 0), (profile.name, value, why)
            if value in BAD_ROLES:
                assert BAD_ROLES[value] in why
    retired = loaded.page.evaluate("v => window.cmekPage.problem('v2', v)", model.V1.principal)
    assert "retired v1 role" in retired


@pytest.mark.parametrize("profile", [model.V2, model.V1], ids=["v2", "v1"])
def test_invalid_role_changes_no_link_and_valid_roles_give_cmek_links(
    loaded: Loaded, profile: model.Profile
) -> None:
    name = profile.name
    loaded.page.select_option(f"#{name}-region", REGIONS[0])
    before = loaded.hrefs(name)
    assert before == expected_links(profile, REGIONS[0], profile.principal or "")
    loaded.page.click(f"#{name}-role")
    loaded.page.keyboard.press("Control+A")
    loaded.page.keyboard.type("arn:aws:iam::111122223333:user/alice")
    assert "IAM user" in loaded.message(name)
    assert loaded.page.get_attribute(f"#{name}-role", "aria-invalid") == "true"
    assert loaded.hrefs(name) == before
    for region in REGIONS:
        loaded.page.select_option(f"#{name}-region", region)
        for role in ROLES:
            loaded.set_role(name, role)
            assert loaded.message(name) == ""
            assert loaded.hrefs(name) == expected_links(profile, region, role)
    # And the real command, once per profile, prints the same links.
    printed = cli_out(
        "links", "--cmek-version", name, "--principal", ROLES[1], "--region", REGIONS[-1]
    )
    urls = [line.split("\t")[3] for line in printed.splitlines() if not line.startswith("#")]
    assert loaded.hrefs(name) == urls


@pytest.mark.parametrize("profile", [model.V2, model.V1], ids=["v2", "v1"])
def test_copy_buttons_copy_what_cmek_prints(
    loaded: Loaded, profile: model.Profile, built: Path
) -> None:
    from playwright.sync_api import expect

    name, role = profile.name, ROLES[1]
    loaded.set_role(name, role)

    def copied(what: str) -> str:
        loaded.page.click(f"#{name}-copy-{what}")
        # Not wait_for_function: a string evaluated in the page is eval, which the CSP forbids.
        expect(loaded.page.locator(f"#{name}-copy-{what} + .copied")).to_have_text("Copied.")
        return loaded.page.evaluate("navigator.clipboard.readText()")

    snippet = cli_out("snippet", "--cmek-version", name, "--principal", role)
    assert copied("statement") == snippet
    command = shlex.split(copied("grant"))
    assert command[:2] == ["cmek", "grant"]
    parser, _ = cli._parser()
    args = parser.parse_args([*command[1:-1], model.EXAMPLE_KEY_ARN])
    assert (args.cmek_version, args.principal, args.key_arn) == (name, role, model.EXAMPLE_KEY_ARN)
    assert args.profile is None  # the AWS profile is the user's own choice
    block = hcl2.loads(copied("terraform"))["module"][0]
    (body,) = block.values()
    variables = hcl2.loads((built / model.TfModule.NEW_KEY.path / "variables.tf").read_text())
    declared = {next(iter(v)).strip('"') for v in variables["variable"]}
    assert {k for k in body if not k.startswith("__")} - {"source"} <= declared
    assert body[model.TfVar.CLICKHOUSE_ROLE_ARN.value].strip('"') == role
    assert body[model.TfVar.PROFILE.value].strip('"') == name


def test_without_javascript_every_region_has_working_default_links(
    browser: object, built: Path
) -> None:
    ctx = browser.new_context(java_script_enabled=False)
    try:
        tab = ctx.new_page()
        tab.goto((built / model.PAGE_FILE).as_uri())
        assert not tab.is_visible("#v2-form")
        for profile in (model.V2, model.V1):
            shown = tab.eval_on_selector_all(
                f"#{profile.name}-default-links a", "els => els.map(e => e.href)"
            )
            default = links.links(Config(), None, profile)
            assert shown == [link.url for link in default]
            # v2 only where ClickHouse Cloud runs; the legacy v1 links everywhere they were.
            offered = model.link_regions(profile, Config().regions)
            assert {link.region for link in default} == set(offered)
            assert (set(offered) < set(Config().regions)) == (not profile.legacy)
            options = tab.eval_on_selector_all(
                f"#{profile.name}-region option", "els => els.map(e => e.value)"
            )
            assert options == list(offered)
        assert tab.text_content("#gcp-commands") == placeholder_snippet()
        assert tab.is_visible("#gcp-grant") and not tab.is_visible("#gcp-copy-grant")
    finally:
        ctx.close()


def test_keyboard_order_labels_and_visible_focus(loaded: Loaded) -> None:
    tab = loaded.page
    for control in tab.query_selector_all("input, select"):
        assert tab.query_selector(f"label[for='{control.get_attribute('id')}']")
    assert tab.query_selector_all("[tabindex]") == []
    loaded.set_role("v2", ROLES[0])
    tab.fill("#gcp-principal", GCP_EMAILS[0])
    tab.fill("#gcp-key", GCP_KEYS[0])
    tab.focus("#v2-region")
    order = ["v2-region"]
    for _ in range(13):
        tab.keyboard.press("Tab")
        order.append(tab.evaluate("document.activeElement.id"))
        outline = tab.evaluate("getComputedStyle(document.activeElement).outlineWidth")
        assert outline not in ("", "0px")
    assert order == [
        "v2-region",
        "v2-role",
        "v2-launch-0",
        "v2-copy-statement",
        "v2-copy-grant",
        "v2-copy-terraform",
        "gcp-principal",
        "gcp-key",
        "gcp-copy-commands",
        "gcp-grant-readme",
        "gcp-copy-grant",
        "gcp-key-readme",
        "gcp-copy-key-module",
        "v1-region",
    ]


def test_phone_width_has_no_horizontal_scroll_and_screenshots(loaded: Loaded) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    loaded.set_role("v2", ROLES[1])
    loaded.set_role("v1", "not-an-arn")
    loaded.page.fill("#gcp-principal", GCP_EMAILS[1])
    loaded.page.fill("#gcp-key", f"{GCP_KEYS[0]}/cryptoKeyVersions/1")
    assert "remove" in gcp_message(loaded, "key")
    loaded.page.screenshot(path=ARTIFACTS / "page-desktop.png", full_page=True)
    loaded.page.set_viewport_size({"width": 375, "height": 812})
    widths = loaded.page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1] == 375
    loaded.page.screenshot(path=ARTIFACTS / "page-phone.png", full_page=True)


# --- Google Cloud ------------------------------------------------------------------------------
def placeholder_snippet() -> str:
    return gcp_snippet.render(model.GCP_KEY_PATH_PLACEHOLDER, model.GCP_SERVICE_ACCOUNT_PLACEHOLDER)


def gcp_message(loaded: Loaded, field: str) -> str:
    return loaded.page.text_content(f"#gcp-{field}-msg") or ""


def _mutations(valid: tuple[str, ...], invalid: list[str], rng: random.Random) -> list[str]:
    """400 strings, each a valid or invalid seed (even odds) with up to two characters inserted
    or deleted."""
    alphabet = "abzAZ09-_.@/: "
    samples = []
    for _ in range(400):
        text = list(rng.choice(valid if rng.random() < 0.5 else invalid))
        for _ in range(rng.randint(0, 2)):
            if rng.random() < 0.5:
                text.insert(rng.randint(0, len(text)), rng.choice(alphabet))
            else:
                del text[rng.randrange(len(text))]
        samples.append("".join(text))
    return samples


def test_the_gcp_patterns_read_the_same_in_javascript(loaded: Loaded) -> None:
    rng = random.Random(18)
    emails = [GCP_EMAILS[0].replace("encryption-sa", "a" * n) for n in (62, 63, 64)]
    emails += [" " + GCP_EMAILS[0], GCP_EMAILS[0] + "\n"]
    emails += _mutations(GCP_EMAILS, list(BAD_GCP_EMAILS), rng)
    keys = [GCP_KEYS[1].replace("/K", "/" + "k" * n) for n in (63, 64)]
    keys += [GCP_KEYS[0] + "\n", "/" + GCP_KEYS[0]]
    keys += _mutations(GCP_KEYS, list(BAD_GCP_KEYS), rng)
    for column, (samples, pattern) in enumerate(
        ((emails, model.GCP_SERVICE_ACCOUNT_PATTERN), (keys, model.GCP_KEY_PATH_PATTERN))
    ):
        pairs = [[s, s] for s in samples]
        in_js = loaded.page.evaluate("ps => ps.map(window.cmekPage.gcpMatches)", pairs)
        in_python = [bool(re.fullmatch(pattern, s)) for s in samples]
        assert [row[column] for row in in_js] == in_python
        assert 50 < sum(in_python) < len(samples) - 50, column


def test_the_gcp_fields_refuse_exactly_what_the_cli_refuses_and_say_why(loaded: Loaded) -> None:
    for field, values, other in (
        ("Email", [*BAD_GCP_EMAILS, *GCP_EMAILS], ("--key", GCP_KEYS[0])),
        ("KeyPath", [*BAD_GCP_KEYS, *GCP_KEYS], ("--principal", GCP_EMAILS[0])),
    ):
        js = loaded.page.evaluate(f"vs => vs.map(window.cmekPage.gcp{field}Problem)", values)
        flag = "--principal" if field == "Email" else "--key"
        bad = BAD_GCP_EMAILS if field == "Email" else BAD_GCP_KEYS
        for value, why in zip(values, js, strict=True):
            code = cli.main(["snippet", "--cloud", "gcp", f"{flag}={value}", *other])
            assert (why == "") == (code == 0), (value, why)
            if value in bad:
                assert bad[value] in why, (value, why)


def test_a_fresh_page_shows_the_gcp_snippet_with_the_placeholders(loaded: Loaded) -> None:
    assert loaded.page.text_content("#gcp-commands") == placeholder_snippet()
    for what in ("commands", "grant", "key-module"):
        assert loaded.page.is_disabled(f"#gcp-copy-{what}")
    for text in (loaded.page.text_content("#gcp-grant"), placeholder_snippet()):
        assert model.GCP_SERVICE_ACCOUNT_PLACEHOLDER in text


def test_typed_gcp_values_give_what_cmek_snippet_prints(loaded: Loaded) -> None:
    from playwright.sync_api import expect

    tab = loaded.page
    for email, key in zip(GCP_EMAILS, GCP_KEYS, strict=True):
        tab.fill("#gcp-principal", f" {email} ")
        tab.fill("#gcp-key", key)
        printed = cli_out("snippet", "--cloud", "gcp", "--principal", email, "--key", key)
        assert tab.text_content("#gcp-commands") == printed
    tab.click("#gcp-copy-commands")
    expect(tab.locator("#gcp-copy-commands + .copied")).to_have_text("Copied.")
    assert tab.evaluate("navigator.clipboard.readText()") == printed
    # A malformed value is explained, marked invalid, and changes nothing below.
    tab.fill("#gcp-principal", "alice@example.com")
    assert "not a service account" in gcp_message(loaded, "principal")
    assert tab.get_attribute("#gcp-principal", "aria-invalid") == "true"
    tab.fill("#gcp-key", "projects/acme-data-1/locations/europe-west4/keyRings/clickhouse")
    assert "key ring, not a key" in gcp_message(loaded, "key")
    assert tab.text_content("#gcp-commands") == printed
    # Cleared fields bring the placeholders back and disable copying.
    tab.fill("#gcp-principal", "")
    tab.fill("#gcp-key", "")
    assert tab.text_content("#gcp-commands") == placeholder_snippet()
    assert tab.is_disabled("#gcp-copy-commands") and gcp_message(loaded, "key") == ""


@pytest.mark.parametrize(
    ("block", "module"),
    [("grant", model.GcpTfModule.GRANT), ("key-module", model.GcpTfModule.KEY)],
    ids=["grant", "key"],
)
def test_gcp_module_blocks_set_the_modules_required_variables(
    loaded: Loaded, built: Path, block: str, module: model.GcpTfModule
) -> None:
    loaded.page.fill("#gcp-principal", GCP_EMAILS[1])
    loaded.page.fill("#gcp-key", GCP_KEYS[1])
    text = loaded.page.text_content(f"#gcp-{block}")
    (body,) = hcl2.loads(text)["module"][0].values()
    got = {k: v.strip('"') for k, v in body.items() if not k.startswith("__")}
    declared = hcl2.loads((built / module.path / "variables.tf").read_text())["variable"]
    specs = {next(iter(v)).strip('"'): next(iter(v.values())) for v in declared}
    required = {name for name, spec in specs.items() if "default" not in spec}
    assert required <= set(got) - {"source"} <= set(specs)
    # The module of this version's published archive (`cmek publish` uploads it), in the build.
    archive = Config().templates.url(f"{model.VERSION}/{model.MODULES_ZIP}")
    assert got["source"] == model.module_source(archive, module)
    assert (built / module.path / "main.tf").is_file()
    _, project, _, location, _, ring, _, key = GCP_KEYS[1].split("/")
    V = model.GcpTfVar
    expected = {
        V.SERVICE_ACCOUNT_EMAIL: GCP_EMAILS[1],
        V.CRYPTO_KEY_ID: GCP_KEYS[1],
        V.PROJECT_ID: project,
        V.LOCATION: location,
        V.KEY_RING_NAME: ring,
        V.KEY_NAME: key,
    }
    assert {k: v for k, v in got.items() if k != "source"} == {
        var.value: value for var, value in expected.items() if var.value in got
    }

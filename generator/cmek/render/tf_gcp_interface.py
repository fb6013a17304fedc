"""The interface of the GCP Terraform modules and example: variables and outputs as data.

The same specification classes as the AWS modules (`tf_interface`), so `variables.tf`,
`outputs.tf` and the README tables of the GCP modules are rendered by the same templates.
"""

from __future__ import annotations

import dataclasses

from cmek import model
from cmek.config import Config
from cmek.model import GcpTfModule, GcpTfOutput, GcpTfVar
from cmek.render.hcl import Hcl, hcl_string, hcl_value
from cmek.render.tf_interface import TfOutputSpec, Validation, Variable, variables

V = GcpTfVar


def gcp_ref(name: GcpTfVar) -> str:
    return f"var.{name.value}"


def _matches(name: GcpTfVar, pattern: str) -> str:
    return f"can(regex({hcl_string(f'^{pattern}$')}, {gcp_ref(name)}))"


def _text(name: GcpTfVar, pattern: str, description: str, expected: str) -> Variable:
    """A required string that must match `pattern`; the message says what is expected."""
    return Variable(
        name,
        Hcl("string"),
        description,
        nullable=False,
        validations=(
            Validation(Hcl(_matches(name, pattern)), f"The {name.value} must be {expected}."),
        ),
    )


def _email() -> Variable:
    return _text(
        V.SERVICE_ACCOUNT_EMAIL,
        model.GCP_SERVICE_ACCOUNT_PATTERN,
        f"The service's encryption service account: the e-mail the ClickHouse Cloud console shows "
        f"as {model.ENCRYPTION_SERVICE_ACCOUNT_CONSOLE_FIELD} in "
        f"{model.ENCRYPTION_PRINCIPAL_CONSOLE_PLACE}, or "
        f"{model.CLICKHOUSE_SERVICE_RESOURCE}.<name>.{model.CLICKHOUSE_ROLE_ID_ATTRIBUTE}.",
        f"a service account e-mail like {model.EXAMPLE_GCP_SERVICE_ACCOUNT}, without the "
        f"{model.GCP_MEMBER_PREFIX} prefix",
    )


def _key_path(required: bool) -> Variable:
    name = V.CRYPTO_KEY_ID
    expected = (
        f"a Cloud KMS key resource path like {model.EXAMPLE_GCP_KEY_PATH} (a key: not a key "
        "ring, not a key version)"
    )
    condition = _matches(name, model.GCP_KEY_PATH_PATTERN)
    optional = {} if required else {"default": None}
    return Variable(
        name,
        Hcl("string"),
        "Resource path of the Cloud KMS key ClickHouse uses (what you paste in the service "
        "settings, and the association's key_id).",
        nullable=not required,
        **optional,
        validations=(
            Validation(
                Hcl(condition if required else f"{gcp_ref(name)} == null ? true : {condition}"),
                f"The {name.value} must be {expected}.",
            ),
        ),
    )


def _rotation_period() -> Variable:
    name, minimum = V.ROTATION_PERIOD, model.GCP_ROTATION_MIN_SECONDS
    seconds = f'tonumber(trimsuffix({gcp_ref(name)}, "s"))'
    valid = f"({_matches(name, model.GCP_DURATION_PATTERN)} ? {seconds} >= {minimum} : false)"
    return Variable(
        name,
        Hcl("string"),
        "Automatic rotation period of the key, in seconds with an s (default "
        f"{model.GCP_ROTATION_PERIOD_DEFAULT}, 90 days, as the CIS benchmark asks); null turns "
        "automatic rotation off. Older versions stay enabled: ClickHouse keeps reading them.",
        default=model.GCP_ROTATION_PERIOD_DEFAULT,
        validations=(
            Validation(
                Hcl(f"{gcp_ref(name)} == null ? true : {valid}"),
                f"The {name.value} must be a number of seconds followed by s, at least "
                f"{minimum}s (one day), like {model.EXAMPLE_GCP_ROTATION_PERIOD}.",
            ),
        ),
    )


def _key_variables() -> list[Variable]:
    kms_name = f"1 to 63 letters, digits, _ or -, like {model.EXAMPLE_GCP_KEY}"
    return [
        _text(
            V.PROJECT_ID,
            model.GCP_PROJECT_PATTERN,
            "ID of your Google Cloud project that holds the key ring.",
            f"a project ID like {model.EXAMPLE_GCP_PROJECT}",
        ),
        _text(
            V.LOCATION,
            model.GCP_LOCATION_PATTERN,
            f"Cloud KMS location of the key ring: {model.GCP_KEY_LOCATION_RULE}.",
            f"a Cloud KMS location like {model.EXAMPLE_GCP_LOCATION}",
        ),
        _text(V.KEY_RING_NAME, model.GCP_KMS_NAME_PATTERN, "Name of the new key ring.", kms_name),
        _text(V.KEY_NAME, model.GCP_KMS_NAME_PATTERN, "Name of the new key.", kms_name),
        _email(),
        _rotation_period(),
        Variable(V.LABELS, Hcl("map(string)"), "Labels of the key.", default={}, nullable=False),
    ]


def _example_variables(config: Config) -> list[Variable]:
    """The example's own inputs; the ClickHouse provider's are the AWS example's, unchanged."""
    shared = variables(config)
    channels = model.CLICKHOUSE_GCP_RELEASE_CHANNELS
    region = _text(
        V.REGION,
        model.GCP_LOCATION_PATTERN,
        "Google Cloud region of the ClickHouse service; the key ring is created there too.",
        f"a Google Cloud region like {model.EXAMPLE_GCP_LOCATION}",
    )
    return [
        dataclasses.replace(region, default=model.EXAMPLE_GCP_LOCATION),
        *(
            dataclasses.replace(shared[v], name=V[v.name])
            for v in model.TF_CLICKHOUSE_SERVICE_INPUTS
        ),
        Variable(
            V.RELEASE_CHANNEL,
            Hcl("string"),
            f"Release channel of the service: {', '.join(channels)}.",
            default=channels[0],
            nullable=False,
            validations=(
                Validation(
                    Hcl(f"contains({hcl_value(list(channels))}, {gcp_ref(V.RELEASE_CHANNEL)})"),
                    f"The {V.RELEASE_CHANNEL.value} must be one of {', '.join(channels)}.",
                ),
            ),
        ),
    ]


def module_variables(config: Config) -> dict[GcpTfModule, list[Variable]]:
    key = {v.name: v for v in _key_variables()}
    return {
        GcpTfModule.POLICY: [_email(), _key_path(required=False)],
        GcpTfModule.KEY: [key[name] for name in model.GCP_TF_INPUTS[GcpTfModule.KEY]],
        GcpTfModule.GRANT: [_key_path(required=True), _email()],
    }


def example_variables(config: Config) -> list[Variable]:
    key = {v.name: v for v in _key_variables()}
    own = {v.name: v for v in _example_variables(config)}
    names = model.GCP_TF_EXAMPLE_INPUTS
    return [own[n] if n in own else key[n] for n in names]


# --- Outputs -------------------------------------------------------------------------------------
_GRANTS = f"{model.GOOGLE_KMS_IAM_MEMBER_RESOURCE}.{model.GCP_GRANT_RESOURCE_NAME}"
# key_id is read from the grants themselves: whatever uses it (the association) waits for both.
_KEY_ID_FROM_GRANTS = Hcl(f"one(distinct([for grant in {_GRANTS} : grant.crypto_key_id]))")
_KEY_ID_TEXT = (
    "Resource path of the key, to paste in the service settings (the association's key_id). "
    "Read from the grants, so whatever uses it waits until the service account holds both roles."
)
_MEMBER_TEXT = "The IAM member granted on the key: serviceAccount:<the service's e-mail>."


def module_outputs() -> dict[GcpTfModule, list[TfOutputSpec]]:
    out = GcpTfOutput
    member = Hcl(f"module.policy.{out.MEMBER.value}")
    return {
        GcpTfModule.POLICY: [
            TfOutputSpec(out.MEMBER, _MEMBER_TEXT, Hcl("local.member")),
            TfOutputSpec(out.ROLES, "The roles granted on the key, exactly.", Hcl("local.roles")),
            TfOutputSpec(
                out.IAM_BINDINGS_JSON,
                "The bindings to add to the key's IAM policy, as JSON (gcloud's form).",
                Hcl("jsonencode({ bindings = local.bindings })"),
            ),
            TfOutputSpec(out.KEY_ID, "The key resource path, validated.", Hcl("var.crypto_key_id")),
        ],
        GcpTfModule.KEY: [
            TfOutputSpec(out.KEY_ID, _KEY_ID_TEXT, _KEY_ID_FROM_GRANTS),
            TfOutputSpec(
                out.KEY_RING_ID,
                "Resource path of the new key ring.",
                Hcl(f"{model.GOOGLE_KMS_KEY_RING_RESOURCE}.this.id"),
            ),
            TfOutputSpec(out.MEMBER, _MEMBER_TEXT, member),
        ],
        GcpTfModule.GRANT: [
            TfOutputSpec(out.KEY_ID, _KEY_ID_TEXT, _KEY_ID_FROM_GRANTS),
            TfOutputSpec(out.MEMBER, _MEMBER_TEXT, member),
        ],
    }


def example_outputs() -> list[TfOutputSpec]:
    out = GcpTfOutput
    service = f"{model.CLICKHOUSE_SERVICE_RESOURCE}.this"
    return [
        TfOutputSpec(out.SERVICE_ID, "ID of the ClickHouse service.", Hcl(f"{service}.id")),
        TfOutputSpec(
            out.SERVICE_ACCOUNT_EMAIL,
            "The service's encryption service account, which the key grants.",
            Hcl(f"{service}.{model.CLICKHOUSE_ROLE_ID_ATTRIBUTE}"),
        ),
        *(
            TfOutputSpec(o.name, o.description, Hcl(f"module.cmek.{o.name.value}"))
            for o in module_outputs()[GcpTfModule.KEY]
        ),
    ]

"""Every fact about ClickHouse's CMEK set-up, stated once, split by concept.

- contract: what a customer grants ClickHouse (principals, actions, Sids, known mistakes);
- aws_rules: AWS's own rules for typed values (patterns, quotas, naming rules, reading caps);
- examples: AWS's documentation values used in messages, docs and sample inputs;
- cloudformation, terraform, publishing: the artifacts' names and files (a contract with users);
- keys: what a usable key looks like to ClickHouse;
- gcp: the same contract on Google Cloud (roles, member, key path, a usable Cloud KMS key);
- inventory: the expectations `cmek check` holds every artifact to (deny by default);
- audit: `cmek audit`'s finding codes, organization defaults and Security Hub (ASFF) facts.

Every renderer, check and command reads `model.NAME`; this package re-exports each submodule.
"""

from cmek import __version__
from cmek.model.audit import *  # noqa: F403
from cmek.model.aws_rules import *  # noqa: F403
from cmek.model.cloudformation import *  # noqa: F403
from cmek.model.contract import *  # noqa: F403
from cmek.model.examples import *  # noqa: F403
from cmek.model.gcp import *  # noqa: F403
from cmek.model.inventory import *  # noqa: F403
from cmek.model.keys import *  # noqa: F403
from cmek.model.publishing import *  # noqa: F403
from cmek.model.terraform import *  # noqa: F403

VERSION = __version__

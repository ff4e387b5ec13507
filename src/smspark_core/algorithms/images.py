"""Where SageMaker's own algorithm images live: ECR accounts per region, and the URI form.

``<account>.dkr.ecr.<region>.<domain>/<repository>:<tag>``. The maps are those of the
SageMaker Python SDK's image configs (a superset of the original's 23 regions, with the same
accounts where both list a region). The region is the estimator's ``region`` argument or,
failing that, boto3's configuration.
"""

from __future__ import annotations

from collections.abc import Mapping

import boto3

from smspark_core.foundation.errors import SmsparkError

# kmeans, pca, linear-learner (and factorization-machines): one map, tag "1".
FIRST_PARTY_ACCOUNTS: Mapping[str, str] = {
    "af-south-1": "455444449433",
    "ap-east-1": "286214385809",
    "ap-northeast-1": "351501993468",
    "ap-northeast-2": "835164637446",
    "ap-northeast-3": "867004704886",
    "ap-south-1": "991648021394",
    "ap-south-2": "628508329040",
    "ap-southeast-1": "475088953585",
    "ap-southeast-2": "712309505854",
    "ap-southeast-3": "951798379941",
    "ap-southeast-4": "106583098589",
    "ca-central-1": "469771592824",
    "ca-west-1": "190319476487",
    "cn-north-1": "390948362332",
    "cn-northwest-1": "387376663083",
    "eu-central-1": "664544806723",
    "eu-central-2": "680994064768",
    "eu-north-1": "669576153137",
    "eu-south-1": "257386234256",
    "eu-south-2": "104374241257",
    "eu-west-1": "438346466558",
    "eu-west-2": "644912444149",
    "eu-west-3": "749696950732",
    "il-central-1": "898809789911",
    "me-central-1": "272398656194",
    "me-south-1": "249704162688",
    "sa-east-1": "855470959533",
    "us-east-1": "382416733822",
    "us-east-2": "404615174143",
    "us-gov-east-1": "237065988967",
    "us-gov-west-1": "226302683700",
    "us-iso-east-1": "490574956308",
    "us-isob-east-1": "765400339828",
    "us-isof-east-1": "108575199400",
    "us-isof-south-1": "124985052026",
    "us-west-1": "632365934929",
    "us-west-2": "174872318107",
}

# lda:1 has its own accounts (the SDK's lda.json: the original's 14 regions plus
# us-iso-east-1); it is not published in the other regions.
LDA_ACCOUNTS: Mapping[str, str] = {
    "ap-northeast-1": "258307448986",
    "ap-northeast-2": "293181348795",
    "ap-south-1": "991648021394",
    "ap-southeast-1": "475088953585",
    "ap-southeast-2": "297031611018",
    "ca-central-1": "469771592824",
    "eu-central-1": "353608530281",
    "eu-west-1": "999678624901",
    "eu-west-2": "644912444149",
    "us-east-1": "766337827248",
    "us-east-2": "999911452149",
    "us-gov-west-1": "226302683700",
    "us-iso-east-1": "490574956308",
    "us-west-1": "632365934929",
    "us-west-2": "266724342769",
}

# The legacy XGBoost 0.72 image, xgboost:1 (the original's "Applications" map).
LEGACY_XGBOOST_ACCOUNTS: Mapping[str, str] = {
    "af-south-1": "455444449433",
    "ap-east-1": "286214385809",
    "ap-northeast-1": "501404015308",
    "ap-northeast-2": "306986355934",
    "ap-northeast-3": "867004704886",
    "ap-south-1": "991648021394",
    "ap-south-2": "628508329040",
    "ap-southeast-1": "475088953585",
    "ap-southeast-2": "544295431143",
    "ap-southeast-3": "951798379941",
    "ap-southeast-4": "106583098589",
    "ca-central-1": "469771592824",
    "cn-north-1": "390948362332",
    "cn-northwest-1": "387376663083",
    "eu-central-1": "813361260812",
    "eu-central-2": "680994064768",
    "eu-north-1": "669576153137",
    "eu-south-1": "257386234256",
    "eu-south-2": "104374241257",
    "eu-west-1": "685385470294",
    "eu-west-2": "644912444149",
    "eu-west-3": "749696950732",
    "me-central-1": "272398656194",
    "me-south-1": "249704162688",
    "sa-east-1": "855470959533",
    "us-east-1": "811284229777",
    "us-east-2": "825641698319",
    "us-gov-east-1": "237065988967",
    "us-gov-west-1": "226302683700",
    "us-iso-east-1": "490574956308",
    "us-isob-east-1": "765400339828",
    "us-west-1": "632365934929",
    "us-west-2": "433757028032",
}

# sagemaker-xgboost:<version>, one map for every version.
SAGEMAKER_XGBOOST_ACCOUNTS: Mapping[str, str] = {
    "af-south-1": "510948584623",
    "ap-east-1": "651117190479",
    "ap-northeast-1": "354813040037",
    "ap-northeast-2": "366743142698",
    "ap-northeast-3": "867004704886",
    "ap-south-1": "720646828776",
    "ap-south-2": "628508329040",
    "ap-southeast-1": "121021644041",
    "ap-southeast-2": "783357654285",
    "ap-southeast-3": "951798379941",
    "ap-southeast-4": "106583098589",
    "ca-central-1": "341280168497",
    "ca-west-1": "190319476487",
    "cn-north-1": "450853457545",
    "cn-northwest-1": "451049120500",
    "eu-central-1": "492215442770",
    "eu-central-2": "680994064768",
    "eu-north-1": "662702820516",
    "eu-south-1": "978288397137",
    "eu-south-2": "104374241257",
    "eu-west-1": "141502667606",
    "eu-west-2": "764974769150",
    "eu-west-3": "659782779980",
    "il-central-1": "898809789911",
    "me-central-1": "272398656194",
    "me-south-1": "801668240914",
    "sa-east-1": "737474898029",
    "us-east-1": "683313688378",
    "us-east-2": "257758044811",
    "us-gov-east-1": "237065988967",
    "us-gov-west-1": "414596584902",
    "us-iso-east-1": "833128469047",
    "us-isob-east-1": "281123927165",
    "us-isof-east-1": "108575199400",
    "us-isof-south-1": "124985052026",
    "us-west-1": "746614075791",
    "us-west-2": "246618743249",
}

_DOMAINS = {
    "cn-": "amazonaws.com.cn",
    "us-iso-": "c2s.ic.gov",
    "us-isob-": "sc2s.sgov.gov",
    "us-isof-": "csp.hci.ic.gov",
}


class UnsupportedRegionError(SmsparkError, ValueError):
    """An image was asked for in a region its registry map does not list."""


def ecr_domain(region: str) -> str:
    """The DNS suffix of ECR in ``region`` (China and the isolated partitions differ)."""
    for prefix in sorted(_DOMAINS, key=len, reverse=True):
        if region.startswith(prefix):
            return _DOMAINS[prefix]
    return "amazonaws.com"


def image_uri(repository: str, tag: str, region: str, accounts: Mapping[str, str]) -> str:
    """The image URI of ``repository:tag`` in ``region``."""
    if region not in accounts:
        raise UnsupportedRegionError(
            f"the region {region!r} is not supported for image {repository}:{tag}. "
            f"Supported regions: {', '.join(sorted(accounts))}"
        )
    return f"{accounts[region]}.dkr.ecr.{region}.{ecr_domain(region)}/{repository}:{tag}"


def default_region() -> str:
    """boto3's configured region (``AWS_DEFAULT_REGION``, ``~/.aws/config``, ...)."""
    region = boto3.session.Session().region_name
    if not region:
        raise UnsupportedRegionError(
            "no AWS region is configured: pass region='us-east-1' (for example) to the "
            "estimator, or set AWS_DEFAULT_REGION"
        )
    return region

"""Tables of the original library (sagemaker_spark_behaviour.md), for the plugins' tests."""

# The original's table (sagemaker_spark_behaviour.md §5.1), every region.
ORIGINAL_ACCOUNTS = {
    "us-east-1": "382416733822",
    "us-east-2": "404615174143",
    "us-west-1": "632365934929",
    "us-west-2": "174872318107",
    "eu-west-1": "438346466558",
    "eu-west-2": "644912444149",
    "eu-west-3": "749696950732",
    "eu-central-1": "664544806723",
    "eu-north-1": "669576153137",
    "eu-south-1": "257386234256",
    "ap-northeast-1": "351501993468",
    "ap-northeast-2": "835164637446",
    "ap-southeast-1": "475088953585",
    "ap-southeast-2": "712309505854",
    "ap-south-1": "991648021394",
    "ap-east-1": "286214385809",
    "ca-central-1": "469771592824",
    "sa-east-1": "855470959533",
    "me-south-1": "249704162688",
    "af-south-1": "455444449433",
    "us-gov-west-1": "226302683700",
    "cn-north-1": "390948362332",
    "cn-northwest-1": "387376663083",
}


# The original's "Applications" map (legacy xgboost:1), every region it lists.
ORIGINAL_APPLICATIONS_ACCOUNTS = {
    "us-east-1": "811284229777",
    "us-east-2": "825641698319",
    "us-west-1": "632365934929",
    "us-west-2": "433757028032",
    "eu-west-1": "685385470294",
    "eu-west-2": "644912444149",
    "eu-west-3": "749696950732",
    "eu-central-1": "813361260812",
    "eu-north-1": "669576153137",
    "eu-south-1": "257386234256",
    "ap-northeast-1": "501404015308",
    "ap-northeast-2": "306986355934",
    "ap-southeast-1": "475088953585",
    "ap-southeast-2": "544295431143",
    "ap-south-1": "991648021394",
    "ap-east-1": "286214385809",
    "ca-central-1": "469771592824",
    "sa-east-1": "855470959533",
    "me-south-1": "249704162688",
    "af-south-1": "455444449433",
    "us-gov-west-1": "226302683700",
    "cn-north-1": "390948362332",
    "cn-northwest-1": "387376663083",
}


# ECR's DNS suffix per partition (botocore's endpoint data).
ECR_DOMAINS = {"cn-": "amazonaws.com.cn", "us-iso-": "c2s.ic.gov", "us-isob-": "sc2s.sgov.gov"}


def ecr_domain(region: str) -> str:
    return next((d for p, d in ECR_DOMAINS.items() if region.startswith(p)), "amazonaws.com")


# The original's LDA map (sagemaker_spark_behaviour.md §5.1), every region it lists.
ORIGINAL_LDA_ACCOUNTS = {
    "us-east-1": "766337827248",
    "us-east-2": "999911452149",
    "us-west-1": "632365934929",
    "us-west-2": "266724342769",
    "eu-west-1": "999678624901",
    "eu-west-2": "644912444149",
    "eu-central-1": "353608530281",
    "ap-northeast-1": "258307448986",
    "ap-northeast-2": "293181348795",
    "ap-southeast-1": "475088953585",
    "ap-southeast-2": "297031611018",
    "ap-south-1": "991648021394",
    "ca-central-1": "469771592824",
    "us-gov-west-1": "226302683700",
}


# The regions of factorization-machines, knn and randomcutforest (version "1"):
# aws/sagemaker-python-sdk src/sagemaker/image_uri_config/factorization-machines.json in its
# newest snapshot read (90166ea, 35 regions); its knn.json and randomcutforest.json (snapshots
# with 34) plus ca-west-1 from AWS's ECR path page for that region. The same 35 regions and
# accounts for all three; no us-isof-* region.
SDK_ACCOUNTS_35 = {
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
    "us-west-1": "632365934929",
    "us-west-2": "174872318107",
}

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from credentials.services import generate_credential
from regional.models import InstanceType, Region


def seeded_region(slug: str) -> Region:
    """Regions come from a data migration, which transactional tests flush: recreate when needed."""
    region, _ = Region.objects.get_or_create(slug=slug, defaults={"name": slug})
    for name, vcpus in [("vm.small", 2), ("vm.medium", 4)]:
        InstanceType.objects.get_or_create(
            region=region, name=name, defaults={"vcpus": vcpus, "memory_gib": vcpus * 2, "disk_gib": 50}
        )
    return region


@pytest.fixture
def member_secret(member):
    return generate_credential(membership=member, name="ci")[1]


@pytest.fixture
def outsider_secret(outsider):
    return generate_credential(membership=outsider, name="ci")[1]


def openssh(private_key) -> str:
    return (
        private_key.public_key()
        .public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        .decode()
    )


@pytest.fixture
def ed25519_key() -> str:
    return openssh(ed25519.Ed25519PrivateKey.generate()) + " me@laptop"


@pytest.fixture
def ecdsa_key() -> str:
    return openssh(ec.generate_private_key(ec.SECP256R1()))


@pytest.fixture(scope="session")
def rsa_2048_key() -> str:
    return openssh(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="session")
def rsa_1024_key() -> str:
    return openssh(rsa.generate_private_key(public_exponent=65537, key_size=1024))  # noqa: S505 (the weak key we refuse)

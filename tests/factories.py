import factory
from allauth.account.models import EmailAddress

from accounts.models import Account, Membership, Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    password = factory.django.Password("Correct-Horse-Battery-9")

    @factory.post_generation
    def email_verified(user, create, extracted, **kwargs):
        """Real users sign up through allauth and confirm their address before they can sign in;
        `UserFactory(email_verified=False)` is one who has not confirmed it yet."""
        if create:
            EmailAddress.objects.create(user=user, email=user.email, primary=True, verified=extracted is not False)


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Account {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    account = factory.SubFactory(AccountFactory)
    role = Role.MEMBER

"""The SCIM resources careerflow serves, and how a roster person maps onto a SCIM User.

careerflow publishes the attributes it keeps, no more (so an identity provider, and
a compliance checker, see exactly what round-trips): ``userName`` (the employee id,
immutable), ``displayName`` (the name), ``emails`` (the address), ``timezone``,
``active``, ``externalId``; the enterprise extension's ``department``, ``manager``
and ``employeeNumber``; and careerflow's own extension
with the HR partner. The models are ``scim2-models`` resources (RFC 7643).
"""

from typing import Annotated, Any

from pydantic import EmailStr, Field
from scim2_models import (
    URN,
    AuthenticationScheme,
    Bulk,
    CaseExact,
    ChangePassword,
    ComplexAttribute,
    ETag,
    Extension,
    Filter,
    Meta,
    Mutability,
    Patch,
    Reference,
    Required,
    Resource,
    ResourceType,
    Returned,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    Uniqueness,
)
from scim2_models.resources.resource import AnyExtension

from domain.roster import Person

MAX_RESULTS = 200
"""The most Users one list answers (``count`` is capped to it)."""

EXAMPLE_ZONES = ["Europe/London", "Europe/Paris", "America/New_York", "Asia/Tokyo"]


class Email(ComplexAttribute):
    """The person's address (careerflow keeps one: the first)."""

    value: Annotated[EmailStr | None, Required.true] = None
    primary: Annotated[bool | None, Mutability.read_only, Returned.never] = None
    """Accepted as identity providers send it, and ignored: there is one address."""


class Manager(ComplexAttribute):
    """Another User, named by its ``value`` (the id); ``$ref`` may be left out, as
    identity providers do."""

    value: Annotated[str | None, Required.true, CaseExact.true] = None
    ref: Reference["User"] | None = Field(  # type: ignore[type-arg]
        None, serialization_alias="$ref", validation_alias="$ref"
    )


class HrPartner(Manager):
    """The User who is this person's HR partner."""


class EnterpriseUser(Extension):
    """The enterprise extension, as far as careerflow keeps it."""

    __schema__ = URN("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")

    employee_number: str | None = None
    department: Annotated[str | None, Required.true] = None
    manager: Manager | None = None


class CareerflowUser(Extension):
    """careerflow's own extension: who the person's HR partner is."""

    __schema__ = URN("urn:careerflow:params:scim:schemas:extension:2.0:User")

    hr_partner: HrPartner | None = None


class User(Resource[AnyExtension]):
    __schema__ = URN("urn:ietf:params:scim:schemas:core:2.0:User")

    user_name: Annotated[str | None, Uniqueness.server, Required.true, Mutability.immutable] = None
    """The employee id (careerflow's ``employee_id``): set once."""

    display_name: Annotated[str | None, Required.true] = None
    emails: Annotated[list[Email] | None, Required.true] = None
    timezone: str | None = Field(None, examples=EXAMPLE_ZONES)
    active: Annotated[bool | None, Required.true] = None
    """False: deactivated (on no case, in no cycle); identity providers always send it."""


PROVIDER = ScimProvider(
    models=[User, EnterpriseUser, CareerflowUser],
    resource_types=[ResourceType.from_resource(User[EnterpriseUser | CareerflowUser])],
    config=ServiceProviderConfig(
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=MAX_RESULTS),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=False),
        etag=ETag(supported=False),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="Provisioning bearer token",
                description="CAREERFLOW_SCIM_TOKEN, never a person's token",
            )
        ],
    ),
)
FullUser = User[EnterpriseUser | CareerflowUser]


def user_of(person: Person, base: str) -> Any:
    """The SCIM User for a roster person."""
    employee = person.employee_id
    user = FullUser(
        id=employee,
        user_name=employee,
        external_id=person.external_id,
        display_name=person.name,
        emails=[Email(value=person.email)],
        timezone=person.timezone,
        active=person.active,
        meta=Meta(resource_type="User", location=f"{base}/Users/{employee}"),
    )
    manager = None
    if person.manager_id is not None:
        manager = Manager(value=person.manager_id, ref=f"{base}/Users/{person.manager_id}")
    user[EnterpriseUser] = EnterpriseUser(
        employee_number=person.employee_number, department=person.department, manager=manager
    )
    if person.hr_partner_id is not None:
        partner = HrPartner(value=person.hr_partner_id, ref=f"{base}/Users/{person.hr_partner_id}")
        user[CareerflowUser] = CareerflowUser(hr_partner=partner)
    return user


def person_of(user: Any, before: Person | None) -> dict[str, Any]:
    """The roster row a SCIM User stands for (what the roster rules then validate); what
    SCIM does not carry (track and level) stays as it was."""
    enterprise = user[EnterpriseUser] or EnterpriseUser()
    own = user[CareerflowUser] or CareerflowUser()
    emails = user.emails or []
    primary = emails[0] if emails else None
    manager = enterprise.manager
    partner = own.hr_partner
    return {
        "employee_id": before.employee_id if before else user.user_name,
        "name": user.display_name,
        "email": None if primary is None else primary.value,
        "manager_id": None if manager is None else manager.value,
        "department": enterprise.department,
        "hr_partner_id": None if partner is None else partner.value,
        "timezone": user.timezone,
        "active": True if user.active is None else user.active,
        "external_id": user.external_id,
        "employee_number": enterprise.employee_number,
        "track": before.track if before else None,
        "level": before.level if before else None,
    }

"""Users and what they may act as.

Every user is a real person (or a channel partner). An individual user may also hold roles in
units (legal representative > administrator > operator); agency staff have a profile naming
their department and districts. What a signed-in user is acting as — themselves, one unit, or
the agency — is the *context* chosen at sign-in (see :mod:`shebao.accounts.actors`).
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **fields: object) -> User:
        user = self.model(username=username, **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(
        self, username: str, password: str | None = None, **fields: object
    ) -> User:
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("kind", User.Kind.STAFF)
        return self.create_user(username, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    class Kind(models.TextChoices):
        INDIVIDUAL = "individual", "个人用户"
        STAFF = "staff", "经办人员"
        PARTNER = "partner", "合作渠道"

    # Individuals sign in with their ID number, staff with their staff number (工号),
    # partners with their channel code.
    username = models.CharField("登录名", max_length=64, unique=True)
    kind = models.CharField("用户类型", max_length=12, choices=Kind.choices)
    name = models.CharField("姓名", max_length=100)
    person = models.OneToOneField(
        "registry.Person",
        verbose_name="对应人员",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="user",
    )
    mobile = models.CharField("手机号码", max_length=11, blank=True)
    is_active = models.BooleanField("有效", default=True)
    is_staff = models.BooleanField("可进入系统配置", default=False)  # Django admin access
    date_joined = models.DateTimeField("注册时间", default=timezone.now)
    failed_logins = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)
    # Set when the agency hands out a temporary password (counter registration): every page
    # leads to the password change until a password of the user's own is set.
    password_must_change = models.BooleanField("下次登录须修改密码", default=False)

    objects = UserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        verbose_name = "用户"
        verbose_name_plural = "用户"

    def __str__(self) -> str:
        return f"{self.name}（{self.username}）"

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    def is_locked(self, now: object = None) -> bool:
        now = now or timezone.now()
        return self.locked_until is not None and self.locked_until > now  # type: ignore[operator]


class UnitMembership(models.Model):
    """A user's role in a unit. Only one active membership per (user, unit)."""

    class Role(models.TextChoices):
        LEGAL_REP = "legal_rep", "法定代表人"
        ADMIN = "admin", "单位管理员"
        OPERATOR = "operator", "单位经办人"

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    unit = models.ForeignKey("registry.Unit", on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField("角色", max_length=12, choices=Role.choices)
    appointed_by = models.ForeignKey(
        User,
        verbose_name="授权人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField("授权时间", auto_now_add=True)
    revoked_at = models.DateTimeField("取消时间", null=True, blank=True)
    revoked_by = models.ForeignKey(
        User,
        verbose_name="取消人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # How the role was given: online registration, at the counter with the power of attorney
    # (授权委托书) noted, or appointed inside the unit.
    note = models.CharField("授权说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "单位用户"
        verbose_name_plural = "单位用户"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "unit"],
                condition=Q(revoked_at__isnull=True),
                name="one_active_membership_per_user_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.get_role_display()} · {self.user.name}"

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class MatterGrant(models.Model):
    """A matter an operator may handle for the unit, granted one by one by an administrator."""

    membership = models.ForeignKey(UnitMembership, on_delete=models.CASCADE, related_name="grants")
    matter = models.ForeignKey("catalogue.Matter", on_delete=models.PROTECT, related_name="+")
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField("授权时间", auto_now_add=True)

    class Meta:
        verbose_name = "经办事项授权"
        verbose_name_plural = "经办事项授权"
        constraints = [
            models.UniqueConstraint(fields=["membership", "matter"], name="one_grant_per_matter")
        ]

    def __str__(self) -> str:
        return f"{self.membership} · {self.matter}"


class StaffProfile(models.Model):
    """An agency staff member's department and the districts whose cases they handle."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="staff_profile")
    department = models.ForeignKey(
        "registry.Department",
        verbose_name="所在部门",
        on_delete=models.PROTECT,
        related_name="staff",
    )
    districts = models.ManyToManyField(
        "registry.Region", verbose_name="负责区县", related_name="staff"
    )
    title = models.CharField("岗位", max_length=50, blank=True)

    class Meta:
        verbose_name = "经办人员"
        verbose_name_plural = "经办人员"

    def __str__(self) -> str:
        return f"{self.department} · {self.user.name}"


class StaffCapability(models.Model):
    """What a staff member may do, and where: one row per capability × department × region.

    The one staff permission model of the hall (checked only through
    :mod:`shebao.accounts.capabilities`). ``region`` is a district, or a city, province or the
    nation, covering every district below it. ``department`` says whose matters a REVIEW row
    covers; the other capabilities are not about one department's matters and leave it empty.
    """

    class Capability(models.TextChoices):
        REVIEW = "review", "审核本部门事项"
        COUNTER = "counter", "窗口经办（单位账号开通等）"
        MANAGE_CA = "manage_ca", "单位CA证书管理"
        EDIT_POLICY = "edit_policy", "政策参数管理"
        RUN_ASSESSMENT = "run_assessment", "月度缴费核定"
        ASSESS_OUT_OF_WINDOW = "assess_forced", "核定期外强制核定"

    staff = models.ForeignKey(
        StaffProfile, verbose_name="经办人员", on_delete=models.CASCADE, related_name="capabilities"
    )
    capability = models.CharField("权限", max_length=20, choices=Capability.choices)
    department = models.ForeignKey(
        "registry.Department",
        verbose_name="业务部门",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    region = models.ForeignKey(
        "registry.Region", verbose_name="地区", on_delete=models.PROTECT, related_name="+"
    )
    granted_by = models.ForeignKey(
        User,
        verbose_name="授权人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    granted_at = models.DateTimeField("授权时间", auto_now_add=True)

    class Meta:
        verbose_name = "经办权限"
        verbose_name_plural = "经办权限"
        ordering = ["staff_id", "capability", "department_id", "region_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["staff", "capability", "department", "region"],
                condition=Q(department__isnull=False),
                name="staff_capability_once_per_department",
            ),
            models.UniqueConstraint(
                fields=["staff", "capability", "region"],
                condition=Q(department__isnull=True),
                name="staff_capability_once",
            ),
            models.CheckConstraint(
                condition=~Q(capability="review") | Q(department__isnull=False),
                name="staff_capability_review_names_department",
            ),
        ]

    def __str__(self) -> str:
        where = f"{self.department_id} · " if self.department_id else ""
        return f"{self.staff} · {self.get_capability_display()} · {where}{self.region_id}"


class ApiToken(models.Model):
    """A bearer token for the REST API: for an app signed in as a user, or a channel partner.

    Only a hash of the token is stored; ``prefix`` finds the row.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    context = models.CharField("身份", max_length=40)  # "individual", "unit:<id>", "staff", …
    name = models.CharField("用途", max_length=100, blank=True)
    prefix = models.CharField(max_length=12, unique=True)
    key_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    expires_at = models.DateTimeField("过期时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("作废时间", null=True, blank=True)

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"

    def __str__(self) -> str:
        return f"{self.name or self.context} · {self.user} · {self.prefix}"


class VerificationCode(models.Model):
    """A one-time code sent by SMS. Only a keyed hash of the code is stored.

    A code is good for ``SHEBAO_CODE_TTL_MINUTES`` (activation codes for longer), for at most
    ``SHEBAO_CODE_MAX_ATTEMPTS`` wrong guesses, and for one successful use; only the newest code
    of a mobile and purpose counts.
    """

    class Purpose(models.TextChoices):
        REGISTER = "register", "个人注册"
        UNIT_REGISTER = "unit_register", "单位注册"
        PASSWORD_RESET = "password_reset", "找回密码"
        ACTIVATION = "activation", "账号激活"

    mobile = models.CharField("手机号码", max_length=11)
    purpose = models.CharField("用途", max_length=16, choices=Purpose.choices)
    # The account a reset or activation code is for (empty for registration codes).
    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    code_hash = models.CharField(max_length=64)
    # False for a request that matched no account: nothing is texted, but the request is
    # recorded like any other so that its answer and rate limit reveal nothing.
    delivered = models.BooleanField("已发送", default=True)
    created_at = models.DateTimeField("发送时间", default=timezone.now)
    expires_at = models.DateTimeField("过期时间")
    attempts = models.PositiveSmallIntegerField("错误次数", default=0)
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)

    class Meta:
        verbose_name = "短信验证码"
        verbose_name_plural = "短信验证码"
        indexes = [models.Index(fields=["mobile", "created_at"])]

    def __str__(self) -> str:
        return f"{self.mobile} · {self.get_purpose_display()}"


class SignInEvent(models.Model):
    """Every sign-in attempt, successful or not, and every sign-out (安全审计)."""

    class Outcome(models.TextChoices):
        SUCCESS = "success", "登录成功"
        FAILURE = "failure", "账号或密码错误"
        LOCKED = "locked", "账号锁定中"
        REFUSED = "refused", "身份不符"
        SIGN_OUT = "sign_out", "退出登录"

    class Channel(models.TextChoices):
        PAGE = "page", "网页"
        API = "api", "接口"
        ADMIN = "admin", "系统配置"

    user = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="sign_in_events"
    )
    identifier = models.CharField("登录账号", max_length=64)  # as typed, normalised
    context = models.CharField("登录身份", max_length=40, blank=True)
    channel = models.CharField("渠道", max_length=8, choices=Channel.choices)
    outcome = models.CharField("结果", max_length=10, choices=Outcome.choices)
    code = models.CharField("原因代码", max_length=40, blank=True)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    user_agent = models.CharField("浏览器", max_length=200, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "登录记录"
        verbose_name_plural = "登录记录"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["identifier", "created_at"]),
            models.Index(fields=["user", "created_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} · {self.get_outcome_display()}"


class AccountEvent(models.Model):
    """An audited change to accounts, roles and grants, written in the change's transaction."""

    class Action(models.TextChoices):
        REGISTERED = "registered", "个人注册"
        UNIT_REGISTERED = "unit_registered", "单位网上注册"
        COUNTER_REGISTERED = "counter_registered", "窗口注册单位账号"
        UNIT_RECORDED = "unit_recorded", "窗口登记单位信息"
        PASSWORD_CHANGED = "password_changed", "修改密码"
        PASSWORD_RESET = "password_reset", "找回密码"
        ROLE_APPOINTED = "role_appointed", "设置单位用户"
        ROLE_REVOKED = "role_revoked", "取消单位用户"
        MATTER_GRANTED = "matter_granted", "授权经办事项"
        MATTER_REVOKED = "matter_revoked", "取消经办事项授权"
        ACCOUNT_UNLOCKED = "account_unlocked", "解除锁定"
        TOKEN_ISSUED = "token_issued", "签发接口令牌"
        TOKEN_REVOKED = "token_revoked", "作废接口令牌"

    action = models.CharField("操作", max_length=24, choices=Action.choices)
    actor = models.ForeignKey(
        User,
        verbose_name="操作人",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    subject = models.ForeignKey(
        User,
        verbose_name="对象用户",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="account_events",
    )
    unit = models.ForeignKey(
        "registry.Unit",
        verbose_name="单位",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    detail = models.JSONField("详情", default=dict, blank=True)
    ip = models.GenericIPAddressField("来源地址", null=True, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "账户操作记录"
        verbose_name_plural = "账户操作记录"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["unit", "created_at"])]

    def __str__(self) -> str:
        return self.get_action_display()


class SubmissionKey(models.Model):
    """The one-time key of a submitted form: a second submission of the same form (a double
    click, a reload) finds its key taken and creates nothing."""

    key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "表单提交记录"
        verbose_name_plural = "表单提交记录"

    def __str__(self) -> str:
        return self.key

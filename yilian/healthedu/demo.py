"""Demo data of the health-education library (a step of ``seed_demo``): three published
articles written by the demo doctor and approved by the demo hospital administrator, all
through the real services; and a follow-up plan of the demo patient login's own record (a
demo patient of the doctor's hospital with the login's mobile number) with one article attached,
so the patient login shows it under "My health education". Items are looked up by title: a
second run creates nothing."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone

from yilian.accounts.models import User
from yilian.accounts.roles import Role
from yilian.followups.models import FollowUpPlan, FollowUpTemplate
from yilian.followups.services import start_plan
from yilian.orgs.demo import DEMO_LOGINS, SeedContext, register_step
from yilian.patients.models import Patient, phone_is

from .models import Audience, Category, Item, Kind, PlanItem
from .services import attach_to_plan, publish, save_item, submit

# Category, title, summary, tags, audience, text (the editor's simple HTML).
ARTICLES: tuple[tuple[str, str, str, tuple[str, ...], str, str], ...] = (
    (
        "慢病管理",
        "高血压患者的家庭血压监测",
        "在家正确测量血压，记录下来，复诊时交给医生——比偶尔在诊室测一次更能反映真实情况。",
        ("高血压", "血压监测"),
        Audience.CHRONIC,
        "<h3>为什么要在家测血压</h3>"
        "<p>诊室血压容易受紧张情绪影响（“白大衣高血压”），家庭血压更能反映日常真实水平，"
        "也能帮助医生判断降压药的效果。</p>"
        "<h3>怎样测才准确</h3>"
        "<ol><li>选用经过验证的<strong>上臂式</strong>电子血压计，袖带大小合适。</li>"
        "<li>测量前 30 分钟不吸烟、不喝咖啡或浓茶，排空膀胱，安静坐 5 分钟。</li>"
        "<li>坐位，背部有支撑，双脚平放，上臂与心脏同一高度。</li>"
        "<li>每次连续测 2～3 遍，间隔 1 分钟，记录平均值。</li></ol>"
        "<h3>什么时候测</h3>"
        "<p>早晨起床后 1 小时内（服药前、早餐前、排尿后）和晚上睡前各测一次。"
        "刚开始或调整用药时，连续测量 7 天。</p>"
        "<h3>何时需要就医</h3>"
        "<p>家庭血压平均值 ≥ 135/85 mmHg 提示控制不佳；如果血压 ≥ 180/110 mmHg，"
        "或伴有剧烈头痛、胸痛、肢体无力，请<strong>立即就医</strong>。</p>",
    ),
    (
        "营养与饮食",
        "糖尿病饮食：吃什么、吃多少、怎么吃",
        "控制总热量、主食粗细搭配、定时定量——糖尿病饮食没有“不能吃”，只有“怎么吃”。",
        ("糖尿病", "饮食"),
        Audience.CHRONIC,
        "<h3>三个基本原则</h3>"
        "<ul><li><strong>控制总量</strong>：按身高、体重和活动量确定每日总热量，保持体重适宜。</li>"
        "<li><strong>均衡搭配</strong>：每餐都有主食、蛋白质和蔬菜。</li>"
        "<li><strong>定时定量</strong>：三餐规律，不暴饮暴食，不随意加餐。</li></ul>"
        "<h3>“餐盘法”</h3>"
        "<p>把一个直径约 22 厘米的盘子分成四份：一半是蔬菜，四分之一是主食（最好一半是全谷物、"
        "杂豆），四分之一是鱼、禽、蛋、瘦肉或豆制品。</p>"
        "<h3>需要注意的食物</h3>"
        "<table><thead><tr><th>少吃</th><th>可以替换为</th></tr></thead><tbody>"
        "<tr><td>白粥、糯米、油条</td><td>杂粮饭、燕麦、全麦馒头</td></tr>"
        "<tr><td>含糖饮料、果汁</td><td>白开水、淡茶</td></tr>"
        "<tr><td>肥肉、油炸食品</td><td>清蒸鱼、去皮禽肉</td></tr></tbody></table>"
        "<p>水果可以吃，宜在两餐之间，每天 200 克左右，优先选择苹果、柚子等升糖较慢的品种。"
        "使用胰岛素或磺脲类药物的患者，请随身携带糖果以防低血糖。</p>",
    ),
    (
        "急救与卒中",
        "脑卒中早期识别：记住 BE FAST",
        "突然口角歪斜、一侧无力、说话含糊？立刻拨打 120——溶栓和取栓都要和时间赛跑。",
        ("脑卒中", "急救", "BE FAST"),
        Audience.PUBLIC,
        "<p>脑卒中（中风）治疗的关键是<strong>时间</strong>：发病 4.5 小时内可以静脉溶栓，"
        "部分患者 24 小时内可以取栓。早一分钟识别，就多保住一分脑组织。</p>"
        "<h3>BE FAST 口诀</h3>"
        "<ul><li><strong>B（Balance）平衡</strong>：突然走路不稳、头晕。</li>"
        "<li><strong>E（Eyes）眼睛</strong>：突然一只眼或双眼视物模糊、看东西重影。</li>"
        "<li><strong>F（Face）面部</strong>：让他笑一笑，口角是否歪斜。</li>"
        "<li><strong>A（Arms）手臂</strong>：双臂平举，一侧是否无力下垂。</li>"
        "<li><strong>S（Speech）言语</strong>：说话是否含糊不清、听不懂话。</li>"
        "<li><strong>T（Time）时间</strong>：出现以上任何一项，立即拨打 <strong>120</strong>，"
        "并记下发病时间。</li></ul>"
        "<h3>等待救护车时</h3>"
        "<p>让患者侧卧或平卧，不要喂水、喂药，不要自行开车送医；"
        "把发病时间和正在服用的药物告诉急救人员。</p>",
    ),
)


def _login(role: str) -> User | None:
    phone = next(d.phone for d in DEMO_LOGINS if d.role == role)
    return User.objects.select_related("hospital").filter(phone=phone).first()


def seed_health_education(ctx: SeedContext) -> int:
    author, reviewer = _login(Role.STAFF), _login(Role.HOSPITAL_ADMIN)
    if author is None or reviewer is None or author.hospital is None:
        return 0
    created = 0
    for position, (category_name, title, summary, tags, audience, body) in enumerate(ARTICLES):
        if Item.objects.filter(title=title).exists():
            continue
        category, _new = Category.objects.get_or_create(
            name=category_name, defaults={"position": position}
        )
        item = save_item(
            actor=author,
            kind=Kind.ARTICLE,
            title=title,
            summary=summary,
            body=body,
            category=category,
            tags=tags,
            audience=audience,
        )
        submit(item, actor=author)
        publish(item, actor=reviewer)
        created += 1
    return created + _attach_demo_plan(author)


def _attach_demo_plan(doctor: User) -> int:
    """The demo patient's record and follow-up plan with the blood-pressure article."""
    item = Item.objects.filter(title=ARTICLES[0][1], status=Item.Status.PUBLISHED).first()
    patient_login = _login(Role.PATIENT)
    template = FollowUpTemplate.objects.filter(hospital__isnull=True, is_active=True).first()
    if item is None or patient_login is None or template is None:
        return 0
    record = Patient.objects.filter(
        phone_is(patient_login.phone), hospital=doctor.hospital
    ).first()  # seeded by the patients step (DEMO_PATIENTS)
    if record is None:
        return 0
    plan = FollowUpPlan.objects.filter(patient=record).first()
    if plan is None:
        try:
            plan = start_plan(
                doctor=doctor,
                patient=record,
                template=template,
                start_date=timezone.localdate(),
            )
        except ValidationError:
            return 0
    if PlanItem.objects.filter(plan=plan, item=item).exists():
        return 0
    attach_to_plan(plan, item, actor=doctor)
    return 1


register_step("healthedu", seed_health_education)

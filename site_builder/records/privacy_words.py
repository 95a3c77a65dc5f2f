"""The privacy guard's word lists, in one place: who a text is about, and what about them is sensitive.

Why these lists: the Personal Information Protection Law, art. 28, makes health, disability, a minor's data and
criminal or corrections records sensitive personal information. A report may say "为残疾人提供服务" (a service
for a group); it may not say that 张某 has a disability or that 王某某, 8 岁, is in 三年级2班. So the guard looks for a
person (a 某-style reference, a surname with a form of address, a named service user) and one of these terms in
the same sentence, close by. Documented for editors in docs/records.md (个人信息 section); a new term is one entry.

All words are matched in normalised text (privacy_text.py): full-width letters and digits are already half-width.
"""

from __future__ import annotations

# Common single-character surnames (百家姓, the most frequent few hundred cover most people). Left out: characters
# that are common words before 某 or a form of address (于 is handled apart, see PERSON_PATTERNS in privacy_rules.py).
SURNAMES = (
    "王李张刘陈杨黄赵周吴徐孙朱马胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余杜叶程魏苏吕丁任"
    "卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付傅方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔"
    "向常汤康易乔赖文欧庞樊兰殷施洪翟安颜倪邢温芦岑凌祝柯甘麦冼巫骆简"
)
COMPOUND_SURNAMES = ("欧阳", "司马", "上官", "诸葛", "司徒", "东方", "皇甫", "慕容", "尉迟", "令狐", "公孙", "夏侯")
# 小王, 老陈: only surnames that do not start an everyday word after 小/老 (小康, 小程序, 小孔, 小段, 小钱, 小熊, 小孙女…).
FAMILIAR_SURNAMES = (
    "王李张刘陈杨黄赵周吴徐朱胡郭何林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋杜魏苏吕丁卢姚沈钟姜崔谭陆汪廖贾夏邹孟秦邱侯尹薛黎陶贺郝顾龚邵覃戴严莫赖"
)
# Forms of address after a surname: 王阿姨, 陈伯, 李先生. Longer forms first so that the longest one is reported.
FORMS_OF_ADDRESS = (
    "阿姨",
    "阿婆",
    "阿伯",
    "阿公",
    "伯伯",
    "伯母",
    "叔叔",
    "婆婆",
    "奶奶",
    "爷爷",
    "大爷",
    "大妈",
    "大叔",
    "大姐",
    "大哥",
    "先生",
    "女士",
    "小姐",
    "同学",
    "师傅",
    "小朋友",
    "伯",
    "叔",
    "婆",
    "姨",
    "姐",
    "哥",
)
# Who a report calls a person by their role; a surname and a given name may follow (服务对象李明，男，8岁).
ROLES = ("服务对象", "个案对象", "案主", "居民", "村民", "长者", "老人", "患者", "学生", "儿童", "青少年", "孩子", "学员")
# After 某 or 某某, these make it a place, a group or a thing, not a person: 某某社区, 某种程度, 于某些.
NOT_A_PERSON_AFTER = (
    "种",
    "些",
    "个",
    "项",
    "类",
    "方面",
    "时",
    "处",
    "地",
    "天",
    "日",
    "年",
    "月",
    "社区",
    "村",
    "街",
    "镇",
    "单位",
    "机构",
    "企业",
    "学校",
    "公司",
    "医院",
    "部门",
    "项目",
    "小组",
    "组织",
    "群体",
    "片区",
    "站",
    "区",
    "市",
    "县",
    "省",
    "人",
    "职",
    "团体",
    "平台",
    "事",
    "物",
    "件",
    "一",
    "程度",
    "领域",
    "环节",
)

# Sensitive categories (PIPL art. 28) and the words that put a person in one; the key is the name in messages.
SENSITIVE_TERMS = {
    "疾病": (
        "患有",
        "患病",
        "确诊",
        "诊断为",
        "癌",
        "肿瘤",
        "白血病",
        "艾滋",
        "HIV",
        "尿毒症",
        "肾衰",
        "透析",
        "化疗",
        "精神分裂",
        "抑郁",
        "双相",
        "躁郁",
        "精神病",
        "精神障碍",
        "精神疾病",
        "阿尔茨海默",
        "痴呆",
        "认知障碍",
        "脑梗",
        "脑出血",
        "中风",
        "偏瘫",
        "瘫痪",
        "卧床",
        "糖尿病",
        "高血压",
        "心脏病",
        "冠心病",
        "结核",
        "乙肝",
        "肝炎",
        "肝硬化",
        "癫痫",
        "自闭症",
        "孤独症",
        "多动症",
        "帕金森",
        "慢性病",
        "慢病",
        "重病",
        "大病",
        "病危",
        "绝症",
        "住院",
    ),
    "残疾": (
        "残疾",
        "残障",
        "伤残",
        "智障",
        "智力障碍",
        "视障",
        "视力障碍",
        "失明",
        "盲人",
        "听障",
        "听力障碍",
        "聋",
        "哑",
        "肢残",
        "截肢",
        "轮椅",
        "脑瘫",
        "唐氏",
    ),
    "违法犯罪记录": (
        "社区矫正",
        "矫正对象",
        "社区服刑",
        "刑满释放",
        "刑释",
        "安置帮教",
        "吸毒",
        "戒毒",
        "涉毒",
        "判刑",
        "判处",
        "服刑",
        "坐牢",
        "入狱",
        "出狱",
        "缓刑",
        "假释",
        "犯罪",
        "前科",
        "劳教",
        "拘留",
        "逮捕",
        "在押",
        "有期徒刑",
        "无期徒刑",
        "涉案",
    ),
}
# A minor's data (the fourth category) is found by pattern, not by word: an age under 18 (8岁, 十二周岁) or a
# school class (三年级2班, 初二(3)班); see MINOR_PATTERNS in privacy_rules.py.
MINOR = "未成年人信息"
ADULT_AGE = 18

# Context that makes a number an identity document or an account; the number must follow within a few characters.
CONTEXT = {
    "passport": ("护照", "passport"),
    "hk_macau_permit": ("港澳通行证", "往来港澳通行证", "回乡证", "港澳居民来往内地通行证"),
    "taiwan_permit": ("台胞证", "台湾居民来往大陆通行证", "台湾通行证"),
    "social_security": ("社保卡", "社会保障卡", "社保", "社会保障号", "医保卡"),
    "wechat": ("微信", "weixin", "wechat", "wx", "vx", "v信", "薇信", "威信"),
    "qq": ("QQ", "扣扣", "企鹅号"),
}
# What may stand between the keyword and the number: 号码, 卡号, a colon, 是, 为, a space.
CONTEXT_LINK = r"[ ]?(?:号码|卡号|账号|编号|号|(?i:id))?[ :是为(]{0,3}"
# 微信群, 微信公众号, QQ群, QQ邮箱: an organisation's channel, not a person's account.
NOT_AN_ACCOUNT_AFTER = ("群", "公众", "小程序", "视频号", "支付", "邮箱", "空间", "音乐", "浏览器")
# A number followed by one of these counts or measures something: 社保补贴123456789元 is money, not a card.
UNITS = ("元", "万", "亿", "人", "户", "次", "个", "名", "%", "份", "天", "年", "月", "日", "岁", "件", "项", "张", "位", "节", "支", "小时", "分")

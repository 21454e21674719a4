import { createI18n } from "vue-i18n";

const zhCN = {
  app: { title: "办成 · 工作台", subtitle: "“办不成事”反映窗口", logout: "退出登录", language: "English" },
  landing: { intro: "请使用统一身份认证登录后办理。", login: "登录" },
  nav: { register: "登记", inbox: "待办工单" },
  roles: { window_clerk: "窗口人员", dept_handler: "部门经办人", dept_head: "部门负责人", supervisor: "督办专员",
    district_admin: "区管理员", auditor: "审计员", system_admin: "系统管理员", security_admin: "安全管理员", audit_admin: "审计管理员" },
  register: {
    title: "登记“办不成事”", hall: "大厅", channel: "来源渠道", problemKind: "问题类型", matterCode: "事项编码",
    description: "情况描述", applicantName: "申请人姓名", applicantPhone: "联系电话", submit: "登记并转办",
    phoneInvalid: "请输入 11 位手机号码或带区号的固定电话", required: "必填", done: "登记成功，案件编号：", openCase: "查看案件",
    channels: { walk_in: "窗口来访", phone: "电话预约", letter: "来信", web: "网站 / 移动端", terminal: "自助终端" },
    kinds: { missing_materials: "材料不清或不齐", policy_unclear: "政策不清", no_responsible_department: "无部门认领" },
  },
  case: { title: "案件", number: "案件编号", state: "状态", applicant: "申请人", matter: "事项", timeline: "办理记录",
    at: "时间", event: "事项", actor: "操作人", workOrders: "工单", department: "部门", notFound: "无法读取案件" },
  inbox: { title: "待办工单", empty: "暂无工单", caseNumber: "案件编号", matter: "事项", state: "状态", dueAt: "办理时限",
    actions: "操作", signFor: "签收", reply: "答复", replyText: "答复内容", replyPrompt: "请输入答复内容", refresh: "刷新",
    states: { dispatched: "已派发", signed_for: "已签收", extension_requested: "延期申请中", escalated: "已提级",
      replied: "已答复", returned: "已退单", cancelled: "已撤销" } },
  errors: { noRole: "当前账号没有本工作台的功能。" },
};

const en: typeof zhCN = {
  app: { title: "Bancheng · Console", subtitle: "Couldn't-get-it-done window", logout: "Sign out", language: "中文" },
  landing: { intro: "Sign in through the identity service to work.", login: "Sign in" },
  nav: { register: "Register", inbox: "Inbox" },
  roles: { window_clerk: "Window clerk", dept_handler: "Department handler", dept_head: "Department head",
    supervisor: "Supervisor", district_admin: "District admin", auditor: "Auditor", system_admin: "System admin",
    security_admin: "Security admin", audit_admin: "Audit admin" },
  register: {
    title: "Register a case", hall: "Hall", channel: "Channel", problemKind: "Problem kind", matterCode: "Matter code",
    description: "Description", applicantName: "Applicant name", applicantPhone: "Phone", submit: "Register and forward",
    phoneInvalid: "Enter an 11-digit mobile number or a landline with its area code", required: "Required", done: "Registered, case number: ",
    openCase: "Open the case",
    channels: { walk_in: "Walk-in", phone: "Phone", letter: "Letter", web: "Web / mobile", terminal: "Self-service terminal" },
    kinds: { missing_materials: "Materials unclear or missing", policy_unclear: "Policy unclear",
      no_responsible_department: "No department takes it" },
  },
  case: { title: "Case", number: "Case number", state: "State", applicant: "Applicant", matter: "Matter",
    timeline: "Timeline", at: "At", event: "Event", actor: "By", workOrders: "Work orders", department: "Department",
    notFound: "The case could not be read" },
  inbox: { title: "Inbox", empty: "No work orders", caseNumber: "Case number", matter: "Matter", state: "State",
    dueAt: "Due", actions: "Actions", signFor: "Sign for", reply: "Reply", replyText: "Reply", replyPrompt: "Enter the reply",
    refresh: "Refresh", states: { dispatched: "Dispatched", signed_for: "Signed for",
      extension_requested: "Extension requested", escalated: "Escalated", replied: "Replied", returned: "Returned",
      cancelled: "Cancelled" } },
  errors: { noRole: "This account has no console functions yet." },
};

export const i18n = createI18n({ legacy: false, locale: "zh-CN", fallbackLocale: "zh-CN", messages: { "zh-CN": zhCN, en } });

# leads: zh-CN
# 父系线索页面（templates/leads.html、src/leads.rs）。

leads-title = 父系线索
leads-heading = 父系线索（Y染色体）
leads-intro = 男孩的Y染色体由父亲传给儿子，几乎不变，所以他与父亲、兄弟、祖父、叔伯和堂兄弟共有同一条Y染色体。下面每条线索都是一个被解救的男孩，他的Y染色体与某个失踪男孩父系家族中一名男子的Y染色体几乎相同。这并不能说明他是这个家族中哪位男子的孩子：请先联系家属并申请常规（常染色体）DNA检测，再告诉任何人孩子已找到。
leads-none = 暂无父系线索。
leads-found-child = 被解救儿童
leads-case = 失踪儿童案件
leads-conclusion = 他的Y染色体与为失踪男孩提供DNA的亲属（{ $relative }，样本 { $sample }）在 { $compared } 个位点中有 { $same } 个相同。
leads-differing-none = 没有不同的位点。
leads-differing = 有 { $n } 个位点不同（{ $loci }），几代人之间的突变可以解释。
leads-lr = 假如男孩属于这名男子的父系（相隔 { $meioses } 代），观察到这些Y-DNA结果的可能性是他来自无关家庭时的 { $lr } 倍。
leads-method = 按离散拉普拉斯方法（{ $method }）、人群Y数据库 { $database } 和已发表的突变率计算。
leads-no-database = 尚未启用人群Y数据库，所以还不能给出这条线索的强度：管理员可以导入一个。
leads-not-identification = 这是一条线索，不是身份认定。
leads-status = 状态
leads-status-new = 新线索
leads-status-family-contacted = 已联系家属
leads-status-autosomal-requested = 已申请常染色体DNA检测
leads-status-confirmed = 常染色体检测已确认
leads-status-ruled-out = 已排除
leads-do-family-contacted = 已联系家属
leads-do-autosomal-requested = 申请常染色体DNA检测
leads-do-confirmed = 检测确认
leads-do-ruled-out = 排除

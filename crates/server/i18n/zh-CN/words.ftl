# words: zh-CN
# What the pages show for the registry's codes and numbers (src/words.rs),
# and the text of the drawings (src/svg.rs, src/drawing.rs).

## A candidate's review state.

words-review-new = 新
words-review-under-review = 审核中
words-review-test-requested = 已申请确认检测
words-review-confirmed = 已确认
words-review-reunited = 已团聚
words-review-rejected = 已排除

## A review action, as its button says it; the reason a step needs.

words-action-start-review = 开始审核
words-action-request-test = 申请确认检测
words-action-confirm = 确认（由另一位个案工作者）
words-action-reunite = 记录团聚
words-action-reject = 排除
words-action-reopen = 重新审核
words-reason-reopen = 重新审核的理由
words-reason-reject = 排除理由

## The four-eyes rule; a candidate changed meanwhile.

words-four-eyes-ahead = 四眼原则：申请确认检测的个案工作者不能自己确认，由任何另一位个案工作者确认。
words-four-eyes-you = 确认检测是您申请的，因此由另一位个案工作者确认（四眼原则）。
# $who: the user name of the case worker who requested the test.
words-four-eyes-other = 确认检测由 { $who } 申请；除 { $who } 以外的任何个案工作者都可以确认（四眼原则）。
# $state: the candidate's review state now (words-review-…).
words-changed-meanwhile = 在您查看期间，其他人修改了这个候选匹配，现在的状态是：{ $state }。您的决定没有执行：请查看现在的页面后重新决定。

## What a family account is told about its case.

words-family-searching = 正在寻找：尚未确认任何匹配
words-family-being-checked = 正在核实一个可能的匹配
words-family-confirmed = 匹配已确认，个案工作者会联系您
words-family-reunited = 已团聚
words-family-closed = 已结案

## A case's or a found child's status.

words-status-open = 进行中
words-status-candidate-found = 已找到候选匹配
words-status-unidentified = 尚未确认身份
words-status-closed = 已结案

## An age in whole years.

words-years-old =
    { $n ->
        [0] 现不满1岁
       *[other] 现年{ $n }岁
    }
words-years-old-range = 现年{ $min }至{ $max }岁

## Which field of a row a search matched.

words-matched-name = 姓名
words-matched-place = 地点
words-matched-relative = 亲属姓名
words-matched-id = 编号
words-matched-institution = 机构
words-matched-other = 其他

## A candidate's category.

words-category-undisputed = 确定无疑
words-category-probable = 很可能
words-category-inconclusive = 尚无定论
words-category-excluded = 已排除

## A reference's relationship to the missing child.

words-relationship-mother = 母亲
words-relationship-father = 父亲
words-relationship-full-sibling = 亲兄弟姐妹
words-relationship-maternal-half-sibling = 同母异父兄弟姐妹
words-relationship-paternal-half-sibling = 同父异母兄弟姐妹
words-relationship-maternal-grandmother = 外祖母
words-relationship-maternal-grandfather = 外祖父
words-relationship-paternal-grandmother = 祖母
words-relationship-paternal-grandfather = 祖父
words-relationship-maternal-aunt = 姨母
words-relationship-maternal-uncle = 舅舅
words-relationship-paternal-aunt = 姑姑
words-relationship-paternal-uncle = 叔叔/伯伯
words-relationship-paternal-great-uncle = 叔祖父/伯祖父（爷爷的兄弟）
words-relationship-paternal-first-cousin = 堂兄弟姐妹（叔伯的孩子）

## Who in the family gave DNA (the search's family shape).

words-shape-both-parents = 父母双方提供了DNA
words-shape-one-parent = 父母一方提供了DNA
words-shape-grandparents = 祖父母/外祖父母提供了DNA
words-shape-parent-and-siblings = 父母一方和兄弟姐妹提供了DNA
words-shape-general = 亲属提供了DNA

## A fact compared, and the verdict on it.

words-fact-sex = 性别
words-fact-age = 年龄
words-fact-time = 日期
words-fact-place = 地点
words-verdict-compatible = 相符
words-verdict-excludes = 排除
words-verdict-unknown = 未知

## A sex; an account's role.

words-sex-male = 男
words-sex-female = 女
words-sex-unknown = 未知
words-role-admin = 管理员
words-role-lab = 实验室
words-role-caseworker = 个案工作者
words-role-family = 家属

## A kind of file of the import page, and what its files count.

words-import-kind-cases = 寻亲案件
words-import-kind-references = 提供DNA的亲属
words-import-kind-found = 被找到的儿童
words-import-kind-profiles = DNA分型
words-import-kind-frequencies = 等位基因频率
words-import-kind-haplotypes = Y-STR群体单倍型
words-import-kind-cmf = CODIS CMF 文件
words-import-kind-pfif = 寻人记录（PFIF）
words-import-kind-volunteers = 宗族志愿者（Y-STR）
# $n: the count (for the plural form); $count: the same with thousands separators.
words-import-count-cases = { $count }个寻亲案件
words-import-count-references = { $count }位提供DNA的亲属
words-import-count-found = { $count }名被找到的儿童
words-import-count-profiles = { $count }份DNA分型
words-import-count-cmf = { $count }份样本
words-import-count-frequencies = { $count }个基因座
words-import-count-haplotypes = { $count }名男性
words-import-count-pfif = { $count }条寻人记录
words-import-count-volunteers = { $count }位宗族志愿者

## Numbers: an infinite LR, the ENFSI scale, probabilities.

words-lr-infinite = 无穷大
words-enfsi-neither = DNA结果对两个假设均无倾向性支持。
# $strength: one of words-enfsi-weak … words-enfsi-extremely-strong.
words-enfsi-first = DNA结果对假设一（相对于假设二）提供{ $strength }。
words-enfsi-second = DNA结果对假设二（相对于假设一）提供{ $strength }。
words-enfsi-weak = 弱支持
words-enfsi-moderate = 中等支持
words-enfsi-moderately-strong = 较强支持
words-enfsi-strong = 强支持
words-enfsi-very-strong = 很强支持
words-enfsi-extremely-strong = 极强支持
# $shown: how many families the chart shows (for the plural form), $count
# the same with separators; $lr: the lowest LR shown.
words-chart-floor = 图中显示似然比达到 { $lr } 的 { $count } 个家庭；其余家庭对后验概率的影响不超过 0.1%，未逐一完整计算。
words-percent-above = 大于 99.99%
words-percent-below = 小于 0.01%

## Ages: days up to two months, then months up to two years, then years and months.

words-age-days = { $n } 天
words-age-months = { $n } 个月
words-age-years = { $years } 岁
words-age-years-months = { $years } 岁 { $months } 个月
words-age-range = { $from } – { $to }
# $missing, $found: ages (words-age-…); $tolerance: days.
words-age-detail = 被找到时，失踪儿童应为 { $missing }；被找到儿童的估计年龄为 { $found }（± { $tolerance } 天）。

## Error pages: the heading and the plain explanation, by HTTP status.

words-error-400-heading = 请求有误
words-error-400-text = 地址或表单中有无法读取的内容，请返回后重试。
words-error-401-heading = 请先登录
words-error-401-text = 此页面需要登录账户。
words-error-403-heading = 无权访问
words-error-403-text = 您的账户无权查看或执行此操作。如有需要，请联系管理员。
words-error-404-heading = 找不到页面
words-error-404-text = 此地址没有内容：链接可能已过期或有误，或者您无权查看该记录。
words-error-409-heading = 目前无法执行
words-error-409-text = 该记录当前的状态不允许这一步（可能已被他人修改）。请重新查看后选择其他操作。
words-error-413-heading = 内容过大
words-error-413-text = 发送的内容超出了系统允许的大小。
words-error-422-heading = 无法接受
words-error-422-text = 输入的内容有无法使用的部分，原因见下方。
words-error-429-heading = 尝试次数过多
words-error-429-text = 请稍后再试。
words-error-other-heading = 出错了
words-error-other-text = 系统未能完成此操作。请稍后再试；如果再次出现，请告知管理员。

## Two profiles with the same DNA. $other is where the link to the other
## found child or the other reference's case goes.

words-same-dna-all-equal = 比较的{ $shared }个基因座全部相同
words-same-dna-all-but-one = 比较的{ $shared }个基因座中除 { $marker } 外全部相同
words-same-dna-check = 请个案工作者在对相关候选匹配作出任何决定之前先核实。
# $markers: words-same-dna-all-…; $check: words-same-dna-check.
words-same-dna-found = 被找到的儿童 { $me } 与被找到的儿童 { $other } 的DNA相同：{ $markers }。可能是同一个儿童被登记了两次，也可能是同卵双胞胎。{ $check }
# $relationship, $other_relationship: words-relationship-…; $case: this reference's case.
words-same-dna-reference = 案件 { $case } 的样本提供者 { $sample }（{ $relationship }）与案件 { $other } 的样本提供者 { $other_sample }（{ $other_relationship }）DNA相同：{ $markers }。可能是同一个人的样本被提交了两次（例如为两个失踪的孩子），也可能是同卵双胞胎。{ $check }

## The drawing of a case's family (the pedigree).

words-drawing-title-found = 案件 { $case }：被找到的儿童 { $found } 位于失踪儿童的位置
words-drawing-title-family = 案件 { $case }：家庭
words-drawing-found-child-label = 被找到的儿童 { $found }
# $relative: words-drawing-relative-… (short: a label's line holds 7 Chinese
# characters); $sample: the reference's sample name.
words-drawing-reference = { $relative } ({ $sample })
words-drawing-relative-mother = 母亲
words-drawing-relative-father = 父亲
words-drawing-relative-full-sibling = 亲兄弟姐妹
words-drawing-relative-maternal-half-sibling = 异父兄弟姐妹
words-drawing-relative-paternal-half-sibling = 异母兄弟姐妹
words-drawing-relative-maternal-grandmother = 外祖母
words-drawing-relative-maternal-grandfather = 外祖父
words-drawing-relative-paternal-grandmother = 祖母
words-drawing-relative-paternal-grandfather = 祖父
words-drawing-relative-maternal-aunt = 姨母
words-drawing-relative-maternal-uncle = 舅舅
words-drawing-relative-paternal-aunt = 姑姑
words-drawing-relative-paternal-uncle = 叔叔/伯伯
words-drawing-relative-paternal-great-uncle = 叔祖父/伯祖父
words-drawing-relative-paternal-first-cousin = 堂兄弟姐妹
words-drawing-paternal-great-grandfather = 曾祖父
words-drawing-paternal-great-grandmother = 曾祖母
words-drawing-aunt-by-marriage = 婶婶/伯母
# A half-sibling's other mother or other father, who gave no DNA.
words-drawing-other-mother = 另一位母亲
words-drawing-other-father = 另一位父亲
words-drawing-gave-dna = 提供了DNA
words-drawing-not-typed = 未分型
words-drawing-missing-child = 失踪儿童
words-drawing-found-child = 被找到的儿童
words-drawing-male = 男
words-drawing-female = 女
words-drawing-sex-unknown = 性别未知
words-drawing-empty = 没有可绘制的人员
# The drawing's description for screen readers.
words-drawing-desc-empty = 空的家系图。
words-drawing-desc = 家系图：{ $generations } 代共 { $n } 人。
words-drawing-desc-person = { $label }：{ $sex }，{ $role }。
# $parents: one label, or words-drawing-desc-and.
words-drawing-desc-person-child = { $label }：{ $sex }，{ $role }，{ $parents } 的子女。
words-drawing-desc-and = { $a } 和 { $b }
# A person's tooltip.
words-drawing-person-title = { $label }（{ $sex }，{ $role }）

## The chart of a found child's LRs.

words-chart-title-floored = 为被找到的儿童 { $found } 完整计算的案件的似然比
words-chart-title-all = 为被找到的儿童 { $found } 计算的所有案件的似然比
words-chart-empty = 尚未计算任何案件
words-chart-empty-desc = 尚未为这名儿童计算任何案件。
# The chart's description for screen readers. $factor: 10, 10², …
words-chart-desc = 为这名儿童计算的 { $total } 个案件按似然比（LR）分组的直方图，每组跨度为 { $factor } 倍；柱高为案件数的对数刻度。{ $excluded } 个案件已排除（似然比为 0）。
words-chart-desc-above = { $n } 个案件达到或超过确定无疑阈值（似然比 10⁴）。
# $where: words-chart-where-…
words-chart-desc-candidate = 本候选匹配：{ $where }；{ $higher } 个案件得分更高；同一柱中有 { $same } 个案件。
words-chart-where-excluded = 已排除
words-chart-where-infinite = 似然比无穷大
words-chart-where-lr = 似然比 { $lr }
# A bar's tooltip.
words-chart-tip-excluded = 已排除：{ $n } 个案件
words-chart-tip-bin = 似然比 { $from } 至 { $to }：{ $n } 个案件
words-chart-tip-infinite = 似然比无穷大：{ $n } 个案件
words-chart-axis-cases = 案件数（对数刻度）
words-chart-axis-excluded = 已排除
words-chart-axis-lr = 似然比（LR），对数刻度
words-chart-threshold = 确定无疑阈值
words-chart-this-candidate = 本候选匹配

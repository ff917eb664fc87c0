# report: zh-CN
# 供警方和法庭使用的候选匹配报告（templates/report.html）。

report-title = 候选匹配 #{ $id } 的鉴定报告
report-back = 返回候选匹配
report-print = 请打印本页，或在打印对话框中另存为PDF（菜单不会被打印）；也可以下载PDF文件。
report-heading = DNA亲缘关系鉴定报告
report-candidate = 候选匹配 #{ $id }
report-made = 生成于 { $made }
report-found-child = 被找到的儿童
report-case = 案件
report-not-confirmed = 尚未确认。
report-not-confirmed-detail = 该候选匹配目前为「{ $status }」：尚无第二名个案工作者确认，本报告不构成结论。
report-question = 鉴定问题
report-question-text = 被找到的儿童 { $found } 是否为案件 { $case } 的失踪儿童？在以下两个假设下，将该儿童的DNA与下列家庭亲属的DNA进行了比对。
report-hypothesis-1 = 假设一
report-hypothesis-1-text = { $found } 是这个家庭的失踪儿童，在家系图中所示的位置。
report-hypothesis-2 = 假设二
report-hypothesis-2-text = { $found } 与这些亲属没有亲缘关系：是同一人群中的其他人。
report-relative = 亲属
report-name = 姓名
report-sample = 样本
report-result = 鉴定结果
# 加粗的似然比前后的文字。
report-lr-before = 在假设一下出现这些DNA结果的概率是假设二下的
report-lr-after = 倍（似然比，比较了 { $n } 个DNA基因座）。
report-enfsi-scale = 采用欧洲法庭科学研究所联盟（ENFSI）《法庭科学评价性报告指南》（2015）的言语等级：似然比 2–10 弱支持，10–100 中等支持，100–1,000 较强支持，1,000–10,000 强支持，10,000–1,000,000 很强支持，1,000,000 以上极强支持。
# 加粗的后验概率前后的文字。
report-posterior-before = 根据DNA和案件事实，{ $found } 是这个家庭孩子的概率：
report-posterior-after = 。先验概率：该儿童的家庭在登记库中的概率为二分之一，平均分配给 { $compatible } 个事实相符的未结案件；另外二分之一为家庭未登记。
report-category = 类别
report-facts = 案件事实
report-fact = 事实
report-verdict = 结论
report-detail = 详情
report-markers = DNA基因座
report-marker = 基因座
report-found-child-column = 被找到的儿童
report-lr = 似然比
report-does-not-fit = 不相符
report-method = 方法
report-model = 突变模型
report-frequencies = 等位基因频率数据库
report-exact = 按基因座精确计算家系似然，各基因座相乘（基因座相互独立）。
report-review = 审核
report-no-review = 尚无个案工作者审核该候选匹配。
report-step = 步骤
report-case-worker = 个案工作者
report-when = 时间
report-status-now = 当前状态
report-pdf-hypothesis-1-text = { $found } 是这个家庭的失踪儿童，与下列亲属的关系如案件所记录。
report-pdf-footer = Reunite · DNA亲缘关系鉴定报告，候选匹配 #{ $id } · 第 { $page } 页，共 { $pages } 页
report-pdf = 下载PDF报告

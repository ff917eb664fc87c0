# candidate: zh-CN
# 候选匹配页面（templates/candidate.html），以及案件、被找到的儿童、
# 候选匹配和报告页面上的“DNA相同”提示（templates/same_dna.html）。

candidate-title = 候选匹配 #{ $id }
candidate-heading = 候选匹配 #{ $id }
candidate-found-child = 被找到的儿童
candidate-case = 案件
candidate-status = 状态
candidate-category = 类别
candidate-report-link = 供警方和法庭使用的报告
# 加粗的似然比前后的文字。
candidate-lr-before = 如果该儿童是这个家庭的失踪儿童，出现这样的DNA结果的可能性是该儿童不属于这个家庭时的
candidate-lr-after = 倍（似然比，比较了 { $n } 个DNA基因座）。
candidate-posterior = 根据DNA和案件事实，该儿童是这个家庭孩子的概率
candidate-model = 突变模型
candidate-frequencies = 等位基因频率
candidate-drawing-heading = 被找到的儿童在家庭中的位置
candidate-chart-heading = 与该儿童比对过的其他家庭相比
candidate-scored = 已比对 { $scored } 个案件；后验概率在 { $compatible } 个事实相符的未结案件之间分配。
candidate-facts = 案件事实
candidate-fact = 事实
candidate-verdict = 结论
candidate-detail = 详情
candidate-markers = DNA基因座
candidate-marker = 基因座
candidate-found-child-column = 被找到的儿童
candidate-lr = 似然比
candidate-does-not-fit = 不相符
candidate-history = 审核记录
candidate-no-history = 尚无记录。
# “由 worker1 从「新」改为「审核中」”，分两部分。
candidate-moved-by = 由 { $actor }
candidate-moved-from-to = 从「{ $from }」改为「{ $to }」
candidate-decision = 决定
candidate-no-further-step = 没有可执行的下一步。
candidate-same-dna = DNA相同

# 页面的 Rust 代码写出的文字：案件事实、签名、拒绝的原因、登录的拒绝。

pages-fact-sex = 失踪儿童：{ $case }；被找到的儿童：{ $found }
pages-fact-found-before = 在失踪前 { $span } 被找到
pages-fact-found-after = 失踪 { $span } 后被找到
pages-fact-distance = 失踪地点与被找到地点相距 { $km } 公里
pages-fact-not-recorded = 其中一方没有记录
pages-posterior-none = –（案件事实已排除）
pages-signed-review = 开始审核
pages-signed-test = 申请确认检测
pages-signed-confirmed = 确认
pages-signed-reunited = 记录团聚
pages-unknown-action = 未知的操作
pages-no-version = 表单没有注明您所依据的候选匹配版本；请重新打开候选匹配页面
pages-reason-not-sent = 您填写的理由（未提交）：“{ $reason }”
pages-choose-again = 文件类型已保留，请重新选择文件。
pages-file-too-large = 文件过大：此处最多 { $bytes } 字节（{ $mb } MB）。
pages-choose-kind = 请选择文件类型。
pages-choose-file = 请选择文件。
pages-not-utf8 = { $file }：文件不是 UTF-8 文本
pages-form-expired = 表单已过期，请重试。
pages-wrong-password = 用户名或密码错误。
pages-blocked-account = 此账户登录失败次数过多：请在 { $minutes } 分钟后（UTC { $at }）再试。
pages-blocked-address = 您的网络地址登录失败次数过多：请在 { $minutes } 分钟后（UTC { $at }）再试。

# photos: zh-CN
# 案件页面、被找到的儿童页面和公开寻人启事上的儿童照片（templates/photos.html、src/photos.rs）。

photos-heading = 照片
photos-none = 尚无照片。
photos-hint = 照片加密存储。向个案工作者显示；仅在家属同意时出现在公开寻人启事中。
photos-alt-case = 案件 { $id } 的失踪儿童（走失时）
photos-alt-found = 被找到的儿童 { $id }（现在）
photos-alt-alert = 案件 { $id } 的失踪儿童
photos-file = 照片（JPEG或PNG，最大 { $mb } MB）
photos-add = 添加照片
photos-refused = 照片未添加：
photos-choose-file = 请选择要上传的照片。
photos-not-a-form = 请用页面上的表单上传照片（multipart/form-data）。
photos-too-large = 照片太大：最大 { $mb } MB。
photos-delete = 删除这张照片

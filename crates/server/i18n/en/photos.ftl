# photos: en
# Photos of children on the case and found-child pages and the public
# alerts (templates/photos.html, src/photos.rs).

photos-heading = Photos
photos-none = No photo yet.
photos-hint = Stored encrypted. Shown to caseworkers; on the public alert only where the family opted in.
photos-alt-case = The missing child of case { $id }, at the time of loss
photos-alt-found = Found child { $id }, now
photos-alt-alert = The missing child of case { $id }
photos-file = A photo (JPEG or PNG, at most { $mb } MB)
photos-add = Add the photo
photos-refused = The photo was not added:
photos-choose-file = Choose a photo to send.
photos-not-a-form = Send the photo with the form of the page (multipart/form-data).
photos-too-large = The photo is too large: at most { $mb } MB.
photos-delete = Remove this photo

-- The office registry (danh mục mã hải quan): every office code a record may name, with the name
-- printed on forms, the office above it (since 2025: Cục Hải quan → 20 regional Chi cục → border and
-- inland offices) and the period the code is in use. A code that goes out of use keeps its row
-- (valid_to set): records made under it stay readable and printable with the name they had.

CREATE TABLE offices (
  code         text PRIMARY KEY CHECK (code ~ '^[0-9]{2}[A-Z0-9]{2}$'),
  name         text NOT NULL CHECK (name <> ''),
  parent_code  text REFERENCES offices (code),
  -- The city on the "place and date" line of a printed form ("TP. Hồ Chí Minh, ngày … tháng … năm …").
  city         text NOT NULL,
  valid_from   date NOT NULL,
  -- First day the code is no longer in use; NULL while it is.
  valid_to     date,
  CHECK (valid_to IS NULL OR valid_to > valid_from),
  CHECK (parent_code IS NULL OR parent_code <> code)
);
CREATE INDEX offices_parent ON offices (parent_code);

-- The offices this repository's documentation, tests, seeded data and load runs name. A deployment
-- loads the official list over it (`npm run offices -- import FILE.csv`, docs/operations/offices.md);
-- the names here describe the places these codes stand for in our examples.
INSERT INTO offices (code, name, parent_code, city, valid_from) VALUES
  ('00HQ', 'Cục Hải quan', NULL, 'Hà Nội', '2000-01-01');
INSERT INTO offices (code, name, parent_code, city, valid_from) VALUES
  ('01B1', 'Hải quan cửa khẩu sân bay quốc tế Nội Bài', '00HQ', 'Hà Nội', '2000-01-01'),
  ('02CI', 'Hải quan cửa khẩu cảng Sài Gòn khu vực I', '00HQ', 'TP. Hồ Chí Minh', '2000-01-01'),
  ('02CX', 'Hải quan cửa khẩu cảng Hiệp Phước', '00HQ', 'TP. Hồ Chí Minh', '2000-01-01'),
  ('02H1', 'Hải quan cửa khẩu sân bay quốc tế Tân Sơn Nhất', '00HQ', 'TP. Hồ Chí Minh', '2000-01-01'),
  ('03CC', 'Hải quan cửa khẩu cảng Hải Phòng khu vực I', '00HQ', 'Hải Phòng', '2000-01-01'),
  ('03EE', 'Hải quan cửa khẩu cảng Đình Vũ', '00HQ', 'Hải Phòng', '2000-01-01'),
  ('06DS', 'Hải quan cửa khẩu quốc tế Mộc Bài', '00HQ', 'Tây Ninh', '2000-01-01'),
  ('43IH', 'Hải quan Sóng Thần', '00HQ', 'Bình Dương', '2000-01-01'),
  ('47I1', 'Hải quan Long Bình Tân', '00HQ', 'Đồng Nai', '2000-01-01'),
  ('51C1', 'Hải quan cửa khẩu cảng Cái Mép', '00HQ', 'Bà Rịa - Vũng Tàu', '2000-01-01');

-- sqlite.sql: a fixed workload for sqlite3 (in-memory database).
-- Builds two tables from recursive CTEs, indexes them, joins, groups,
-- updates and deletes. Deterministic: no random(), no time functions.
PRAGMA cache_size = 2000;
CREATE TABLE customer(id INTEGER PRIMARY KEY, name TEXT, city TEXT, score INTEGER);
CREATE TABLE orders(id INTEGER PRIMARY KEY, customer INTEGER, item TEXT, qty INTEGER, price REAL);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
INSERT INTO customer
SELECT i, 'customer-' || i || '-' || substr('abcdefghijklmnopqrstuvwxyz', 1 + i % 26, 1 + i % 13),
       'city-' || (i * 7919 % 97), (i * 104729) % 1000 FROM n;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 60000)
INSERT INTO orders
SELECT i, 1 + (i * 31337) % 20000, 'item-' || (i * 17 % 500), 1 + i % 9, (i % 1000) / 10.0 FROM n;
CREATE INDEX orders_customer ON orders(customer);
CREATE INDEX customer_city ON customer(city, score);
SELECT city, count(*), sum(score) FROM customer GROUP BY city ORDER BY 3 DESC LIMIT 5;
SELECT c.name, sum(o.qty * o.price) AS total
  FROM customer c JOIN orders o ON o.customer = c.id
 GROUP BY c.id ORDER BY total DESC LIMIT 10;
SELECT item, group_concat(DISTINCT customer % 10) FROM orders GROUP BY item ORDER BY item LIMIT 20;
UPDATE customer SET name = upper(name) || '-' || score WHERE score % 3 = 0;
DELETE FROM orders WHERE qty = 4;
SELECT count(*), max(length(name)) FROM customer;
CREATE TABLE summary AS SELECT customer, count(*) AS n, sum(price) AS p FROM orders GROUP BY customer;
SELECT n, count(*) FROM summary GROUP BY n ORDER BY n;
DROP TABLE summary;
VACUUM;

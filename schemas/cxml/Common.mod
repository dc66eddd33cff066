<!--
    cXML datatypes (Common.mod), the release version (Version.mod) and the
    line item type entities (Item.mod), as published for cXML 1.2.050.
    Every cXML datatype is CDATA; the comments name the intended type.
-->

<!-- Atomic-level types -->
<!ENTITY % boolean "(0 | 1)">    <!-- 0 is false, 1 is true -->
<!ENTITY % date "CDATA">
<!ENTITY % datetime.tz "CDATA">  <!-- time zone is required -->
<!ENTITY % i8 "CDATA">
<!ENTITY % int "%i8;">
<!ENTITY % r8 "CDATA">
<!ENTITY % number "CDATA">       <!-- no limit on the number of digits -->
<!ENTITY % string "CDATA">
<!ENTITY % ui8 "CDATA">
<!ENTITY % uint "%ui8;">
<!ENTITY % uri "CDATA">

<!-- Higher-level types (nmtoken stays CDATA so that empty values pass) -->
<!ENTITY % nmtoken "CDATA">
<!ENTITY % isoLangCode "%nmtoken;">         <!-- ISO 639 -->
<!ENTITY % isoCountryCode "%nmtoken;">      <!-- ISO 3166 -->
<!ENTITY % isoStateCode "%nmtoken;">        <!-- ISO 3166-2:2013 -->
<!ENTITY % isoCurrencyCode "%nmtoken;">     <!-- ISO 4217 -->
<!ENTITY % xmlLangCode "%nmtoken;">         <!-- XML language and country -->
<!ENTITY % URL "%uri;">

<!-- Default for the cXML@version attribute -->
<!ENTITY cxml.version "1.2.050">

<!-- Line item types -->
<!ENTITY % lineItemType "(composite | item | lean)">
<!ENTITY % compositeItemType "(groupLevel | itemLevel)">
<!ENTITY % serviceItemType "(material | service)">
